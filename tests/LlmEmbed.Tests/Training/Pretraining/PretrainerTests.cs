using System.Security.Cryptography;
using System.Text.Json;
using LlmEmbed.Checkpoints;
using LlmEmbed.Models;
using LlmEmbed.Tests.Support;
using LlmEmbed.Training;
using LlmEmbed.Training.Pretraining;

namespace LlmEmbed.Tests.Training.Pretraining;

/// <summary>End-to-end pretraining runs on a few KB of text with a 2-layer, hidden-32 model (each well under 10 s).</summary>
public class PretrainerTests
{
    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>Writes the corpus and tokenizer into <paramref name="root"/> and returns tiny options for them.</summary>
    private static PretrainOptions Setup(string root, string output = "run")
    {
        var files = TinyCorpus.Write(Path.Combine(root, "corpus"));
        string tok = Path.Combine(root, "tok");
        if (!Directory.Exists(tok)) TinyCorpus.TrainTokenizer(files.SelectMany(f => f.Documents), tok);
        return new PretrainOptions
        {
            Output = Path.Combine(root, output),
            Tokenizer = tok,
            Files = [Path.Combine(root, "corpus", "*.txt")],
            ValidationFraction = 0.15,
            Model = new PretrainModelOptions
            {
                HiddenSize = 32, NumHiddenLayers = 2, IntermediateSize = 64, NumAttentionHeads = 4, NumKeyValueHeads = 2, MaxPositionEmbeddings = 64,
            },
            SequenceLength = 32,
            BatchSize = 4,
            MaxSteps = 30,
            LearningRate = 1e-2,
            WarmupSteps = 3,
            WeightDecay = 0.01,
            Seed = 7,
            LogEvery = 1,
            EvalEvery = 10,
            EvalBatches = 4,
            CheckpointEvery = 10,
            KeepCheckpoints = 2,
            Threads = 1,
        };
    }

    private static string Hash(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    private static Dictionary<string, string> HashFolder(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), Hash);

    [Fact]
    public void ShortClmRunLowersValidationLoss()
    {
        using var tmp = TestPaths.NewTempDir();
        var options = Setup(tmp.Path);
        var result = new Pretrainer(options).Run(resume: false);

        Assert.Equal(30, result.Steps);
        Assert.Equal(30L * 4 * 32, result.TokensSeen);
        var metrics = new MetricsLog(Path.Combine(options.Output, "metrics.jsonl"));
        var val = metrics.Series("val_loss");
        Assert.Equal([10.0, 20.0, 30.0], val.Select(v => v.Step));
        int vocab = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.ModelDir, "config.json"))).RootElement.GetProperty("vocab_size").GetInt32();
        // An untrained model is near uniform (ln V ≈ 5.8 nats); 30 steps on this regular text cut that by far more than a nat.
        Assert.True(val[^1].Value < val[0].Value - 0.3, $"validation loss {string.Join(" → ", val.Select(v => v.Value))}");
        Assert.True(result.ValidationLoss < Math.Log(vocab) - 1.5, $"final validation loss {result.ValidationLoss}, ln V = {Math.Log(vocab)}");
        Assert.Equal(30, metrics.Series("loss").Count);

        // Perplexity and bits per byte follow from the loss and the held-out slice's bytes-per-token ratio.
        var corpus = JsonSerializer.Deserialize<TokenCorpusInfo>(File.ReadAllText(Path.Combine(options.Output, "token-cache", TokenCorpus.InfoFile)))!;
        Assert.True(corpus.ValidationDocuments > 0);
        Assert.Equal(Math.Exp(result.ValidationLoss), result.ValidationPerplexity, 9);
        Assert.Equal(result.ValidationLoss / Math.Log(2) * corpus.ValidationTokens / corpus.ValidationBytes, result.ValidationBitsPerByte, 9);

        // The final model is a loadable HF folder with its tokenizer, and reproduces the reported loss level.
        using var model = DecoderModel.Load(result.ModelDir);
        Assert.Equal(32, model.HiddenSize);
        Assert.True(File.Exists(Path.Combine(result.ModelDir, "tokenizer.json")));
        foreach (var f in new[] { "result.json", "loss-curve.png", "pretrain-config.yaml" })
            Assert.True(File.Exists(Path.Combine(options.Output, f)), f);
        Assert.Equal([20L, 30L], new CheckpointStore(Path.Combine(options.Output, "checkpoints"), 2).List().Select(c => c.Step));

        // Running again into the same folder without resume is refused (it would mix two runs).
        var again = Assert.Throws<IOException>(() => new Pretrainer(options).Run(resume: false));
        Assert.Contains("--resume", again.Message);
    }

    [Fact]
    public void MntpRunLowersItsLoss()
    {
        using var tmp = TestPaths.NewTempDir();
        var options = Setup(tmp.Path);
        options.Objective = PretrainObjective.Mntp;
        options.MntpMaskProbability = 0.3;
        var result = new Pretrainer(options).Run(resume: false);
        var val = new MetricsLog(Path.Combine(options.Output, "metrics.jsonl")).Series("val_loss");
        Assert.Equal(3, val.Count);
        Assert.All(val, v => Assert.True(double.IsFinite(v.Value)));
        // The untrained model starts near ln V ≈ 5.8 nats (near-uniform logits); the loss falls at every evaluation.
        int vocab = LlmEmbed.Tokenization.TextTokenizer.Load(options.Tokenizer).VocabSize;
        string curve = string.Join(" → ", val.Select(v => v.Value));
        Assert.True(val[0].Value < Math.Log(vocab) - 1.0, $"MNTP validation loss {curve}, ln V = {Math.Log(vocab)}");
        Assert.True(val[1].Value < val[0].Value && val[2].Value < val[1].Value, $"MNTP validation loss {curve}");
        Assert.True(result.FinalTrainLoss < 5.0, $"final MNTP train loss {result.FinalTrainLoss}");
    }

    [Fact]
    public void MntpBatchWithNothingMaskedIsNotMistakenForDivergence()
    {
        // With 3 predictable positions per batch and a 0.1% mask rate, batches almost never have a target;
        // cross-entropy over no targets is NaN, which must not stop the run as a "non-finite loss".
        using var tmp = TestPaths.NewTempDir();
        var options = Setup(tmp.Path);
        options.Objective = PretrainObjective.Mntp;
        options.MntpMaskProbability = 0.001;
        options.SequenceLength = 4;
        options.BatchSize = 1;
        options.MaxSteps = 3;
        options.WarmupSteps = 0;
        options.EvalEvery = 100;
        options.EvalBatches = 1;
        var result = new Pretrainer(options).Run(resume: false);
        Assert.Equal(3, result.Steps);
        var losses = new MetricsLog(Path.Combine(options.Output, "metrics.jsonl")).Series("loss").Select(p => p.Value).ToList();
        Assert.Equal(3, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.Contains(0.0, losses);
        Assert.True(File.Exists(Path.Combine(options.Output, "result.json")));
    }

    [Fact]
    public void RunWithoutValidationReportsNaNValidation()
    {
        using var tmp = TestPaths.NewTempDir();
        var options = Setup(tmp.Path);
        options.ValidationFraction = 0;
        options.MaxSteps = 2;
        var result = new Pretrainer(options).Run(resume: false);
        Assert.True(double.IsNaN(result.ValidationLoss));
        Assert.True(double.IsFinite(result.FinalTrainLoss));
        Assert.Contains("NaN", File.ReadAllText(Path.Combine(options.Output, "result.json")));
        Assert.Empty(new MetricsLog(Path.Combine(options.Output, "metrics.jsonl")).Series("val_loss"));
    }

    [Theory]
    [InlineData("float32")]
    [InlineData("bfloat16")] // also restores the float32 master weights from the checkpoint
    public void InterruptedAndResumedRunMatchesAnUninterruptedOne(string dtype)
    {
        using var tmp = TestPaths.NewTempDir();
        var whole = Setup(tmp.Path, "whole");
        whole.Dtype = dtype;
        whole.MaxSteps = 8;
        whole.CheckpointEvery = 2;
        whole.EvalEvery = 100; // only at the end
        var straight = new Pretrainer(whole).Run(resume: false);

        var cut = Setup(tmp.Path, "cut");
        cut.Dtype = dtype;
        cut.MaxSteps = 8;
        cut.CheckpointEvery = 2;
        cut.EvalEvery = 100;
        // Stop the run after step 5: like contrastive training (one loop skeleton), pretraining checkpoints the last
        // completed step on cancellation, so no work is lost.
        using (var cancel = new CancellationTokenSource())
        {
            var progress = new SyncProgress(p => { if (p.Step == 5) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => new Pretrainer(cut).Run(resume: false, progress, cancel.Token));
        }
        var store = new CheckpointStore(Path.Combine(cut.Output, "checkpoints"), cut.KeepCheckpoints);
        Assert.Equal(5, store.Latest!.Value.Step);
        Assert.False(File.Exists(Path.Combine(cut.Output, "result.json")));

        var messages = new List<string>();
        var resumed = new Pretrainer(cut, messages.Add).Run(resume: true);
        Assert.Contains(messages, m => m.Contains("resumed") && m.Contains("step 5"));
        Assert.Contains(messages, m => m.Contains("up to date")); // the token cache is reused

        // Same data order, same optimiser state: the weights and optimiser state are bit-identical.
        Assert.Equal(straight.Steps, resumed.Steps);
        Assert.Equal(straight.ValidationLoss, resumed.ValidationLoss);
        Assert.Equal(straight.FinalTrainLoss, resumed.FinalTrainLoss);
        Assert.Equal(Hash(Path.Combine(straight.ModelDir, "model.safetensors")), Hash(Path.Combine(resumed.ModelDir, "model.safetensors")));
        string Final(PretrainOptions o, string file) => Path.Combine(o.Output, "checkpoints", CheckpointStore.FolderName(8), file);
        Assert.Equal(Hash(Final(whole, "optimizer.safetensors")), Hash(Final(cut, "optimizer.safetensors")));
        Assert.Equal(dtype == "bfloat16", SafeTensorsFile.ReadHeader(Final(cut, "optimizer.safetensors")).Tensors.Any(t => t.Name.StartsWith("master.")));
        // The metrics log reads like one run: each step once, with the same losses.
        var lossA = new MetricsLog(Path.Combine(whole.Output, "metrics.jsonl")).Series("loss");
        var lossB = new MetricsLog(Path.Combine(cut.Output, "metrics.jsonl")).Series("loss");
        Assert.Equal(Enumerable.Range(1, 8).Select(s => (double)s), lossB.Select(p => p.Step));
        Assert.Equal(lossA, lossB);
    }

    [Fact]
    public void NonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint()
    {
        using var tmp = TestPaths.NewTempDir();
        var options = Setup(tmp.Path);
        options.MaxSteps = 4;
        options.CheckpointEvery = 2;
        options.EvalEvery = 100;
        new Pretrainer(options).Run(resume: false);
        var store = new CheckpointStore(Path.Combine(options.Output, "checkpoints"), options.KeepCheckpoints);
        var good = store.Latest!.Value;
        Assert.Equal(4, good.Step);
        var before = HashFolder(good.Path);

        // Continue with an absurd learning rate: the first update blows the weights up to ~1e38. The divergence
        // guard catches it at that step (5), before step 6, a checkpoint step, could save the blown-up weights.
        options.MaxSteps = 12;
        options.WarmupSteps = 0;
        options.LearningRate = 1e38;
        var e = Assert.Throws<NonFiniteLossException>(() => new Pretrainer(options).Run(resume: true));
        Assert.Equal(5, e.Step);
        Assert.Contains("the weights diverged: parameter '", e.Message);
        Assert.Equal(good.Path, e.LastCheckpoint);
        Assert.Contains(good.Path, e.Message);

        // The good checkpoint is untouched, still the newest, and nothing from the bad steps was saved.
        Assert.Equal(good.Path, store.Latest!.Value.Path);
        Assert.Equal(before, HashFolder(good.Path));
        Assert.Equal([2L, 4L], store.List().Select(c => c.Step));
    }

    [Fact]
    public void APoisonedWeightStopsAtTheFirstStepWithoutWritingACheckpoint()
    {
        using var tmp = TestPaths.NewTempDir();
        var options = Setup(tmp.Path);
        var tokenizer = LlmEmbed.Tokenization.TextTokenizer.Load(options.Tokenizer);
        using (var model = DecoderModel.CreateRandom(options.Model.ToConfig(tokenizer.VocabSize, tokenizer.BosId, tokenizer.EosId), seed: 3))
        {
            using (TorchSharp.torch.no_grad())
                model.Backbone.Layers[1].named_parameters().First().parameter.view(-1)[0].fill_(float.NaN);
            model.Save(tmp.File("poisoned"));
        }
        options.Model.InitFrom = tmp.File("poisoned");
        // Refused at load, naming the tensor (issue #15), before any step could run.
        var e = Assert.Throws<InvalidDataException>(() => new Pretrainer(options).Run(resume: false));
        Assert.Contains("tensor 'model.layers.1.", e.Message);
        Assert.Contains("holds 1 non-finite value(s) (first: NaN at [0", e.Message);
        Assert.Empty(new CheckpointStore(Path.Combine(options.Output, "checkpoints"), 1).List());
    }

    [Fact]
    public void MissingInputsFailBeforeAnyWork()
    {
        using var tmp = TestPaths.NewTempDir();
        var options = Setup(tmp.Path);
        options.Tokenizer = Path.Combine(tmp.Path, "no-tokenizer");
        Assert.Contains("no-tokenizer", Assert.Throws<DirectoryNotFoundException>(() => new Pretrainer(options).Run(false)).Message);
        options = Setup(tmp.Path);
        options.Model.InitFrom = Path.Combine(tmp.Path, "no-model");
        Assert.Contains("init_from", Assert.Throws<FileNotFoundException>(() => new Pretrainer(options).Run(false)).Message);
        Assert.False(Directory.Exists(options.Output));
    }
}
