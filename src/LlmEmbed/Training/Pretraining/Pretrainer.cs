using System.Diagnostics;
using System.Text.Json;
using LlmEmbed.Checkpoints;
using LlmEmbed.IO;
using LlmEmbed.Models;
using LlmEmbed.Tokenization;
using static TorchSharp.torch;

namespace LlmEmbed.Training.Pretraining;

/// <summary>
/// Causal-LM (or MNTP) pretraining of a Llama-architecture decoder on plain text: tokenise once into a cache,
/// pack documents into fixed-length sequences, shuffle by seed, AdamW with warmup + cosine decay, validation
/// loss / perplexity / bits per byte at intervals, atomic checkpoints with exact resume, metrics log and loss
/// curve. Everything that decides the numbers (data order, masking, initialisation) derives from the seed and
/// the step, so a resumed run reproduces an uninterrupted one.
/// </summary>
public sealed class Pretrainer
{
    private readonly PretrainOptions options;
    private readonly Action<string> log;

    public Pretrainer(PretrainOptions options, Action<string>? log = null)
    {
        options.Validate();
        this.options = options;
        this.log = log ?? (_ => { });
    }

    public string CheckpointRoot => Path.Combine(options.Output, "checkpoints");
    public string ModelDir => Path.Combine(options.Output, "model");

    public PretrainResult Run(bool resume, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        // Fail on missing inputs before any expensive work.
        var files = options.ResolveFiles();
        if (!Directory.Exists(options.Tokenizer) && !File.Exists(options.Tokenizer))
            throw new DirectoryNotFoundException($"tokenizer: '{options.Tokenizer}' does not exist");
        if (options.Model.InitFrom is { } init && !File.Exists(Path.Combine(init, "config.json")))
            throw new FileNotFoundException($"model.init_from: '{init}' has no config.json");
        using var folderLock = FolderLock.Acquire(options.Output, "llm-embed pretrain", log: log);
        var store = new CheckpointStore(CheckpointRoot, options.KeepCheckpoints);
        var latest = store.Latest;
        if (latest != null && !resume)
            throw new IOException($"{options.Output} already holds checkpoints (latest step {latest.Value.Step}); pass --resume to continue it or choose another output folder");
        if (options.Threads > 0) set_num_threads(options.Threads);

        Directory.CreateDirectory(options.Output);
        AtomicFile.WriteAllText(Path.Combine(options.Output, "pretrain-config.yaml"), PretrainOptions.Serializer.Serialize(options));
        var tokenizer = Directory.Exists(options.Tokenizer) ? TextTokenizer.Load(options.Tokenizer) : TextTokenizer.LoadFile(options.Tokenizer);
        string cacheDir = options.CacheDir ?? Path.Combine(options.Output, "token-cache");
        var corpus = TokenCorpus.Build(files, tokenizer, TokenizerId(options.Tokenizer), cacheDir, options.ValidationFraction, log, cancellation);
        log($"corpus: {corpus.TrainTokens:N0} training tokens, {corpus.ValidationTokens:N0} validation tokens ({corpus.ValidationDocuments:N0} held-out documents)");

        using var trainTokens = new TokenFile(Path.Combine(cacheDir, TokenCorpus.TrainFile), corpus.BytesPerToken);
        using var valTokens = new TokenFile(Path.Combine(cacheDir, TokenCorpus.ValidationFile), corpus.BytesPerToken);
        var train = new PackedSequences(trainTokens, options.SequenceLength);
        PackedSequences? validation = valTokens.Count > 0 ? new PackedSequences(valTokens, options.SequenceLength) : null;

        var dtype = ComputeDevice.ParseDType(options.Dtype);
        using var model = options.Model.InitFrom is { } from
            ? DecoderModel.Load(from, dtype)
            : DecoderModel.CreateRandom(options.Model.ToConfig(tokenizer.VocabSize, tokenizer.BosId, tokenizer.EosId), options.Seed, dtype, options.Model.InitStd);
        if (model.Config.VocabSize < tokenizer.VocabSize)
            throw new InvalidDataException($"model vocab_size {model.Config.VocabSize} is smaller than the tokenizer's {tokenizer.VocabSize}");
        model.train();
        log($"model: {model.Config.ParameterCount:N0} parameters ({model.Config.NumHiddenLayers} layers, hidden {model.Config.HiddenSize}), {options.Dtype}");

        using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), options.WeightDecay, options.Beta1, options.Beta2);
        var schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.MaxSteps, options.Schedule, options.MinLearningRateRatio);
        var metrics = new MetricsLog(Path.Combine(options.Output, "metrics.jsonl"));

        var start = TrainingLoop.Start(latest, dir => RestoreCheckpoint(dir, model, optimizer), metrics, log);
        int maskToken = options.MntpMaskTokenId ?? tokenizer.TokenToId("_") ?? tokenizer.TokenToId("▁_") ?? 0;
        TrainingLoop? loop = null;
        loop = new TrainingLoop
        {
            MaxSteps = options.MaxSteps,
            LogEvery = options.LogEvery,
            CheckpointEvery = options.CheckpointEvery,
            Schedule = schedule,
            Metrics = metrics,
            Parameters = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList(),
            RateName = "tokens_per_second",
            Progress = progress,
            Log = log,
            AfterStep = (done, loss, lr) =>
            {
                if (validation == null || (done % options.EvalEvery != 0 && done != options.MaxSteps)) return;
                var (valLoss, ppl, bpb) = Evaluate(model, validation, corpus, maskToken);
                metrics.Append(done, new Dictionary<string, object?> { ["val_loss"] = Math.Round(valLoss, 6), ["val_perplexity"] = Math.Round(ppl, 4), ["val_bits_per_byte"] = Math.Round(bpb, 6) });
                progress?.Report(new TrainingProgress(done, options.MaxSteps, loss, lr, 0, loop!.Elapsed, null, $"validation loss {valLoss:F4}, perplexity {ppl:F2}, {bpb:F4} bits/byte"));
                LossCurvePlot.Save(metrics, Path.Combine(options.Output, "loss-curve.png"), "pretraining", ("loss", "train loss"), ("val_loss", "validation loss"));
            },
        };
        long step = loop.Run(start, s =>
        {
            using var scope = NewDisposeScope();
            var (input, mask, lengths) = Batch(train, s * options.BatchSize, options.BatchSize);
            var (lossTensor, _) = Loss(model, input, mask, s, maskToken, training: true);
            optimizer.ZeroGrad();
            lossTensor.backward();
            double loss = lossTensor.item<float>();
            double gradNorm = double.IsFinite(loss) ? optimizer.ClipGradNorm(options.GradClip) : double.NaN;
            var seen = new Dictionary<string, object?> { ["tokens_seen"] = (s + 1) * (long)options.BatchSize * options.SequenceLength };
            return new TrainingLoop.StepResult(loss, gradNorm, lengths.Sum(), seen);
        }, optimizer.StepWith, (s, lastLoss, elapsed) => SaveCheckpoint(store, s, model, optimizer, lastLoss, elapsed), cancellation);

        var (finalValLoss, finalPpl, finalBpb) = validation != null ? Evaluate(model, validation, corpus, maskToken) : (double.NaN, double.NaN, double.NaN);
        // Written beside its final name and renamed into place: a run killed here leaves no half-written model folder.
        AtomicFolder.Write(ModelDir, staging =>
        {
            model.Save(staging);
            tokenizer.SaveTo(staging);
        });
        LossCurvePlot.Save(metrics, Path.Combine(options.Output, "loss-curve.png"), "pretraining", ("loss", "train loss"), ("val_loss", "validation loss"));
        double lastLoss = double.IsFinite(loop.LastLoss) ? loop.LastLoss : TrainingLoop.LastLoggedLoss(metrics, step);
        var result = new PretrainResult(ModelDir, step, step * (long)options.BatchSize * options.SequenceLength, lastLoss, finalValLoss, finalPpl, finalBpb, loop.Elapsed);
        AtomicFile.WriteAllText(Path.Combine(options.Output, "result.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions
        {
            WriteIndented = true,
            // Without validation the validation numbers are NaN, which plain JSON cannot hold.
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        return result;
    }

    private static string TokenizerId(string path)
    {
        var files = Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.Ordinal) : (IEnumerable<string>)[path];
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var f in files)
        {
            if (Path.GetFileName(f).StartsWith("golden", StringComparison.Ordinal)) continue;
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(f)));
            sha.AppendData(File.ReadAllBytes(f));
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }

    /// <summary>A batch of packed sequences at global sequence position <paramref name="position"/>: ids, mask, lengths.</summary>
    private (Tensor Input, Tensor Mask, long[] Lengths) Batch(PackedSequences data, long position, int batchSize, bool shuffled = true)
    {
        int t = data.SequenceLength;
        var ids = new long[batchSize * t];
        var mask = new long[batchSize * t];
        var lengths = new long[batchSize];
        for (int b = 0; b < batchSize; b++)
        {
            long index = shuffled ? data.IndexAt(position + b, options.Seed) : (position + b) % data.Count;
            int n = data.Read(index, ids.AsSpan(b * t, t));
            mask.AsSpan(b * t, n).Fill(1);
            lengths[b] = n;
        }
        return (tensor(ids).view(batchSize, t), tensor(mask).view(batchSize, t), lengths);
    }

    /// <summary>
    /// Mean loss over the predicted positions of a batch, for the configured objective, and how many positions
    /// were predicted. A batch with none (possible in MNTP when no token happens to be masked) gives a zero loss
    /// that still carries the graph, instead of the NaN that cross-entropy over no targets returns — which would
    /// otherwise stop training with a spurious NonFiniteLossException.
    /// </summary>
    private (Tensor Loss, long Targets) Loss(DecoderModel model, Tensor input, Tensor mask, long step, int maskToken, bool training)
    {
        bool padded = mask.sum().item<long>() != mask.numel();
        if (options.Objective == PretrainObjective.Clm)
        {
            using var output = model.Forward(input, padded ? mask : null, AttentionMode.Causal, computeLogits: true);
            var logits = output.Logits!.narrow(1, 0, input.shape[1] - 1);
            var targets = input.narrow(1, 1, input.shape[1] - 1).masked_fill(mask.narrow(1, 1, input.shape[1] - 1).eq(0), -100);
            return MeanCrossEntropy(logits, targets);
        }
        // MNTP: the masking pattern comes from (seed, step) so a resumed run masks the same tokens.
        var gen = new Generator((ulong)(options.Seed * 1_000_003 + step + (training ? 0 : 1L << 40)));
        var probs = rand(input.shape, generator: gen);
        var selected = probs.lt(options.MntpMaskProbability).logical_and(mask.eq(1));
        selected[.., 0] = zeros_like(selected[.., 0]); // position 0 has no predecessor to predict it from
        var action = rand(input.shape, generator: gen);
        var randomIds = randint(0, model.Config.VocabSize, input.shape, generator: gen);
        // BERT-style 80 / 10 / 10: mask token, random token, unchanged.
        var corrupted = input.where(selected.logical_not(), maskToken);
        corrupted = randomIds.where(selected.logical_and(action.ge(0.8)).logical_and(action.lt(0.9)), corrupted);
        corrupted = input.where(selected.logical_and(action.ge(0.9)), corrupted);
        using var outputM = model.Forward(corrupted, padded ? mask : null, AttentionMode.Bidirectional, computeLogits: true);
        long t = input.shape[1];
        var predLogits = outputM.Logits!.narrow(1, 0, t - 1);
        var labels = input.narrow(1, 1, t - 1).masked_fill(selected.narrow(1, 1, t - 1).logical_not(), -100);
        return MeanCrossEntropy(predLogits, labels);
    }

    private static (Tensor Loss, long Targets) MeanCrossEntropy(Tensor logits, Tensor labels)
    {
        long count = labels.ne(-100).sum().item<long>();
        if (count == 0) return (logits.sum().mul(0).to(ScalarType.Float32), 0);
        return (nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]).to(ScalarType.Float32), labels.reshape(-1), ignore_index: -100), count);
    }

    /// <summary>Validation loss on the first eval_batches × batch_size held-out sequences (fixed, unshuffled), perplexity and bits per byte.</summary>
    private (double Loss, double Perplexity, double BitsPerByte) Evaluate(DecoderModel model, PackedSequences validation, TokenCorpusInfo corpus, int maskToken)
    {
        model.eval();
        double total = 0;
        long targets = 0;
        int batches = (int)Math.Min(options.EvalBatches, (validation.Count + options.BatchSize - 1) / options.BatchSize);
        using (no_grad())
        {
            for (int i = 0; i < batches; i++)
            {
                using var scope = NewDisposeScope();
                var (input, mask, _) = Batch(validation, (long)i * options.BatchSize, options.BatchSize, shuffled: false);
                var (batchLoss, batchTargets) = Loss(model, input, mask, i, maskToken, training: false);
                // Weight each batch by its predicted positions (MNTP batches differ in how many tokens are masked).
                total += batchLoss.item<float>() * batchTargets;
                targets += batchTargets;
            }
        }
        model.train();
        if (targets == 0) return (double.NaN, double.NaN, double.NaN);
        double loss = total / targets;
        // nats per token → bits per byte with the held-out slice's own bytes-per-token ratio (comparable across tokenizers).
        double bitsPerByte = loss / Math.Log(2) * corpus.ValidationTokens / Math.Max(1, corpus.ValidationBytes);
        return (loss, Math.Exp(loss), bitsPerByte);
    }

    private string SaveCheckpoint(CheckpointStore store, long step, DecoderModel model, AdamW optimizer, double loss, TimeSpan elapsed)
    {
        return store.Save(step, dir =>
        {
            SafeTensorsFile.Save(Path.Combine(dir, "model.safetensors"), model.BaseStateDict());
            SafeTensorsFile.Save(Path.Combine(dir, "optimizer.safetensors"), optimizer.StateTensors());
            model.Config.Save(Path.Combine(dir, "config.json"));
            AtomicFile.WriteAllText(Path.Combine(dir, "state.json"), JsonSerializer.Serialize(new
            {
                step, optimizer_step = optimizer.Step, seed = options.Seed,
                // A resume at the final step finishes without a step: it needs the loss and the time of all segments.
                loss = double.IsFinite(loss) ? loss : (double?)null, elapsed_seconds = elapsed.TotalSeconds,
            }));
        });
    }

    private static (long Step, double Loss, TimeSpan Elapsed) RestoreCheckpoint(string dir, DecoderModel model, AdamW optimizer)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "state.json")));
        long step = state.RootElement.GetProperty("step").GetInt64();
        double loss = state.RootElement.TryGetProperty("loss", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetDouble() : double.NaN;
        var elapsed = TimeSpan.FromSeconds(state.RootElement.TryGetProperty("elapsed_seconds", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : 0);
        long optimizerStep = state.RootElement.GetProperty("optimizer_step").GetInt64();
        var weights = SafeTensorsFile.Load(Path.Combine(dir, "model.safetensors"));
        var opt = SafeTensorsFile.Load(Path.Combine(dir, "optimizer.safetensors"));
        try
        {
            model.LoadWeights(weights, Path.Combine(dir, "model.safetensors"));
            optimizer.LoadState(opt, optimizerStep, Path.Combine(dir, "optimizer.safetensors"));
        }
        finally
        {
            foreach (var t in weights.Values.Concat(opt.Values)) t.Dispose();
        }
        return (step, loss, elapsed);
    }
}
