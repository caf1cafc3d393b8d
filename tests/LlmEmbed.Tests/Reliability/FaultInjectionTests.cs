using System.Text;
using System.Text.Json.Nodes;
using LlmEmbed.Checkpoints;
using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Experiments;
using LlmEmbed.Models;
using LlmEmbed.Pooling;
using LlmEmbed.Tests.Models;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tokenization;
using LlmEmbed.Training.Contrastive;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// The fault-injection table of issue #15 (docs/reliability.md lists it): each case damages one input — a
/// checkpoint, a config, a tokenizer, a data row, a result store, an output path — and the operation that reads it
/// must fail with the expected message (which names the file, tensor, line or option) instead of a silent wrong
/// result. "{dir}" in an expected message stands for the case's temporary folder.
/// </summary>
public class FaultInjectionTests
{
    public sealed record FaultCase(string Name, Func<string, Exception> Inject, string Expected)
    {
        public override string ToString() => Name;
    }

    private static string TinyModelFolder(string dir)
    {
        string path = Path.Combine(dir, "model");
        using var model = TinyModels.Create(TinyModels.Llama, seed: 4);
        model.Save(path);
        return path;
    }

    /// <summary>Overwrites two bytes of the first element of <paramref name="tensor"/> in a float32 file: its high half.</summary>
    private static void PatchHighBytes(string file, string tensor, byte lo, byte hi)
    {
        var header = SafeTensorsFile.ReadHeader(file);
        var entry = header.Tensors.Single(t => t.Name == tensor);
        Assert.Equal(ScalarType.Float32, entry.DType);
        using var f = new FileStream(file, FileMode.Open, FileAccess.Write);
        f.Seek(header.DataStart + entry.Begin + 2, SeekOrigin.Begin);
        f.Write([lo, hi]);
    }

    private static Exception Catch(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }
        throw new Xunit.Sdk.XunitException("the damaged input was accepted silently");
    }

    private static Exception LoadModel(string dir) => Catch(() => DecoderModel.Load(dir).Dispose());

    public static readonly FaultCase[] Cases =
    [
        new("checkpoint: NaN weight (bytes c0 7f)", dir =>
        {
            string m = TinyModelFolder(dir);
            PatchHighBytes(Path.Combine(m, "model.safetensors"), "model.norm.weight", 0xc0, 0x7f);
            return LoadModel(m);
        }, "{dir}/model/model.safetensors: tensor 'model.norm.weight' holds 1 non-finite value(s) (first: NaN at [0])"),
        new("checkpoint: +inf weight (bytes 80 7f)", dir =>
        {
            string m = TinyModelFolder(dir);
            PatchHighBytes(Path.Combine(m, "model.safetensors"), "model.embed_tokens.weight", 0x80, 0x7f);
            return LoadModel(m);
        }, "{dir}/model/model.safetensors: tensor 'model.embed_tokens.weight' holds 1 non-finite value(s)"),
        new("checkpoint: bytes after the data area", dir =>
        {
            string m = TinyModelFolder(dir);
            File.AppendAllText(Path.Combine(m, "model.safetensors"), "garbage");
            return LoadModel(m);
        }, "{dir}/model/model.safetensors: 7 bytes follow the last tensor's data"),
        new("checkpoint: truncated data", dir =>
        {
            string m = TinyModelFolder(dir);
            string f = Path.Combine(m, "model.safetensors");
            File.WriteAllBytes(f, File.ReadAllBytes(f)[..^100]);
            return LoadModel(m);
        }, "(truncated file?)"),
        new("checkpoint: single file and sharded index both present", dir =>
        {
            string m = TinyModelFolder(dir);
            File.WriteAllText(Path.Combine(m, CheckpointFolder.IndexFile), "{\"weight_map\": {}}");
            return LoadModel(m);
        }, "{dir}/model: holds both model.safetensors and a sharded model.safetensors.index.json"),
        new("checkpoint: weights of another config (info)", dir =>
        {
            string m = TinyModelFolder(dir);
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(m, "config.json")))!;
            config["intermediate_size"] = config["intermediate_size"]!.GetValue<int>() * 2;
            File.WriteAllText(Path.Combine(m, "config.json"), config.ToJsonString());
            return new InvalidDataException(ModelFolderInfo.Read(m).Mismatch ?? "accepted");
        }, "parameters but config.json describes"),
        new("config: config.json is not JSON", dir =>
        {
            string m = TinyModelFolder(dir);
            File.WriteAllText(Path.Combine(m, "config.json"), "{ \"model_type\": ");
            return LoadModel(m);
        }, "{dir}/model/config.json: invalid config.json"),
        new("config: unknown model.preset", dir =>
        {
            var options = new ContrastiveTrainingOptions { Output = dir, Files = [new() { Path = "x.jsonl" }] };
            options.Model = options.Model with { Preset = "max-pool" };
            return Catch(options.Validate);
        }, "model: unknown embedding preset 'max-pool'"),
        new("config: --set key that does not exist", dir =>
            Catch(() => ContrastiveTrainingOptions.Parse("output: out\nfiles:\n  - path: a.jsonl\n", "train.yaml", ["modle.pooling=mean"])),
            "--set modle.pooling=mean (applied to train.yaml"),
        new("config: ignore_identical_ids on a non-retrieval task", dir =>
        {
            string registry = Path.Combine(dir, "tasks.json");
            File.WriteAllText(registry, """{"tasks": [{"name": "S", "type": "sts", "category": "STS", "path": "sts/S", "eval_split": "test", "main_score": "cosine_spearman", "options": {"ignore_identical_ids": true}}]}""");
            return Catch(() => TaskRegistry.Load(registry));
        }, "options.ignore_identical_ids applies to retrieval tasks only"),
        new("tokenizer: folder missing", dir =>
            Catch(() => TextTokenizer.Load(Path.Combine(dir, "nowhere"))),
            "tokenizer folder not found: {dir}/nowhere"),
        new("tokenizer: tokenizer.json is not JSON", dir =>
        {
            Directory.CreateDirectory(Path.Combine(dir, "tok"));
            File.WriteAllText(Path.Combine(dir, "tok", "tokenizer.json"), "{ \"model\": ");
            return Catch(() => TextTokenizer.Load(Path.Combine(dir, "tok")));
        }, "{dir}/tok/tokenizer.json"),
        new("data row: invalid JSON line", dir =>
        {
            string f = Path.Combine(dir, "texts.jsonl");
            File.WriteAllText(f, "{\"text\": \"ok\"}\n{\"text\": \n");
            return Catch(() => EmbeddingFiles.ReadTexts(f));
        }, "{dir}/texts.jsonl:2: invalid JSON"),
        new("data row: invalid UTF-8", dir =>
        {
            string f = Path.Combine(dir, "texts.txt");
            File.WriteAllBytes(f, [.. "fine\n"u8, (byte)'b', 0xff, (byte)'d', (byte)'\n']);
            return Catch(() => EmbeddingFiles.ReadTexts(f));
        }, "{dir}/texts.txt:2: invalid UTF-8 (byte 0xFF at column 2)"),
        new("data: one row and no negative", dir =>
        {
            var row = new ContrastiveExample("q", "p", null, null, "one.jsonl", 1);
            var mixture = new ContrastiveDataMixture([[row]], [1.0], seed: 1);
            return Catch(() => NegativeAvailability.Require(mixture, batchSize: 4, accumulationSteps: 1, maxSteps: 3, maskDuplicatePositives: true));
        }, "data: the batch of step 1 (rows one.jsonl:1) gives no query a negative"),
        new("result store: page-corrupted results.sqlite", dir =>
        {
            using (var store = ResultsStore.OpenFolder(dir)) store.RecordExperiment("name: x", "{}");
            string db = Path.Combine(dir, ResultsStore.DefaultFileName);
            using (var f = new FileStream(db, FileMode.Open, FileAccess.Write))
            {
                f.Seek(4096, SeekOrigin.Begin);
                f.Write(Enumerable.Repeat((byte)0x55, 4096).ToArray());
            }
            return Catch(() => ResultsStore.OpenFolder(dir).Dispose());
        }, "{dir}/results.sqlite: the results database is damaged"),
        new("embedding: NaN output", dir =>
        {
            var backbone = TinyModels.Create(TinyModels.Llama, seed: 4);
            using var model = EmbeddingModel.Create(new EmbeddingModelConfig { Pooler = new PoolerOptions { Kind = PoolerKind.Mean } }, backbone);
            using (no_grad()) backbone.named_parameters().Single(p => p.name == "model.norm.weight").parameter.view(-1)[0].fill_(float.NaN);
            return Catch(() => model.Encode([new TokenizedText([5, 6, 7], 0)]));
        }, "the embedding of input 0 (0-based, 3 tokens) holds NaN or infinite values"),
        new("embedding: NaN row given to the writer", dir =>
            Catch(() => EmbeddingFiles.WriteEmbeddings(Path.Combine(dir, "out.jsonl"), [[1f, float.NaN]], 2)),
            "{dir}/out.jsonl: embedding 0 holds NaN or infinite values; nothing was written"),
        new("embed output: folder missing", dir =>
            Catch(() => EmbeddingFiles.CheckOutputPath(Path.Combine(dir, "no", "out.npy"))),
            "output file {dir}/no/out.npy: folder {dir}/no does not exist"),
        new("embed output: unknown extension", dir =>
            Catch(() => EmbeddingFiles.CheckOutputPath(Path.Combine(dir, "out.csv"))),
            "output file {dir}/out.csv: extension must be .npy or .jsonl"),
    ];

    /// <summary>Case names (serialisable, so the test run counts each case).</summary>
    public static TheoryData<string> All() => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(All))]
    public void DamagedInputGivesItsExpectedMessage(string name)
    {
        var fault = Cases.Single(c => c.Name == name);
        using var dir = TestPaths.NewTempDir();
        var e = fault.Inject(dir.Path);
        Assert.Contains(fault.Expected.Replace("{dir}", dir.Path), e.Message);
        Assert.IsNotType<NullReferenceException>(e);
    }

    [Fact]
    public void TheTableInTheDocsListsEveryCase()
    {
        string doc = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "reliability.md"));
        foreach (var c in Cases) Assert.Contains($"| {c.Name} | `{c.Expected}` |", doc);
    }
}
