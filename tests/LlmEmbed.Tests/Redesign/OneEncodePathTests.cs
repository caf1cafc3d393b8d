using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Models;
using LlmEmbed.Pooling;
using LlmEmbed.Tests.Embedding;
using LlmEmbed.Tests.Support;
using LlmEmbed.Training.Contrastive;
using Microsoft.Extensions.AI;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Redesign;

/// <summary>
/// Issue #10: one encode path. The same (text, instruction) gives the same vector through the training encoder,
/// evaluation (TextEncoder → IEmbeddingGenerator), <c>embed</c> (EmbeddingModel.Encode) and the generator itself, for
/// every preset and every pooler under both attention modes; instructions are never dropped; the cache never
/// mixes two models that share a folder name.
/// </summary>
public class OneEncodePathTests
{
    private static readonly string[] Texts = ["a short one", "the longest text of the whole batch here", "mid length text", "x"];
    private const string Instruction = "Find the paraphrase";

    public static TheoryData<string> Designs()
    {
        var data = new TheoryData<string>();
        foreach (var preset in EmbeddingPresets.Names) data.Add(preset);
        foreach (var pooler in new[] { "eos", "mean", "latent-attention", "multi-layer" })
            foreach (var mode in new[] { "causal", "bidirectional" }) data.Add($"{pooler}/{mode}");
        return data;
    }

    internal static EmbeddingModel NewModel(string design, long seed = 1)
    {
        var config = design.Contains('/')
            ? new EmbeddingModelConfig
            {
                Pooler = new PoolerOptions { Kind = PoolerFactory.ParseKind(design.Split('/')[0]) },
                Attention = design.EndsWith("causal", StringComparison.Ordinal) && !design.EndsWith("bidirectional", StringComparison.Ordinal) ? AttentionMode.Causal : AttentionMode.Bidirectional,
            }
            : EmbeddingPresets.Get(design);
        config = config with
        {
            MaxLength = 64,
            DType = "float32",
            Pooler = config.Pooler with { NumLatents = 4, NumHeads = 2, HeadSize = 8, Seed = 3 },
            Lora = config.Lora with { Rank = 4, Alpha = 8, Dropout = 0.1, Seed = 2 },
        };
        var model = EmbeddingModel.Create(config, DecoderModel.CreateRandom(EmbeddingModelTests.Tiny, seed), new CharTokenizer());
        EmbeddingModelTests.RandomizeLoraB(model, seed + 100);
        return model;
    }

    private static float[][] Rows(Tensor t)
    {
        using var c = t.to(ScalarType.Float32).cpu().contiguous();
        var flat = c.data<float>().ToArray();
        int d = (int)c.shape[1];
        return Enumerable.Range(0, (int)c.shape[0]).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    private static void AssertSame(float[][] expected, float[][] actual, string what)
    {
        double worst = expected.Zip(actual).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second)));
        // Batches differ in composition and padding between the paths; float32 rounding is all that may differ.
        Assert.True(worst <= 1e-5, $"{what}: max difference {worst}");
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public async Task SameTextAndInstructionGiveTheSameVectorOnEveryPath(string design)
    {
        using var model = NewModel(design);

        // Training: the trainer's encoder (queries carry their instruction), evaluated without dropout or graph.
        var encoder = new EmbeddingModelEncoder(model);
        encoder.Train(false);
        float[][] training;
        using (no_grad())
        using (var t = encoder.Encode(Texts, TextRole.Query, Texts.Select(_ => (string?)Instruction).ToList()))
            training = Rows(t);

        // embed: the library entry point, both overloads.
        var embedInputs = model.Encode(Texts.Select(t => new EmbeddingInput(t, Instruction, TextRole.Query)).ToList(), new EncodeOptions { BatchSize = 3 });
        var embedCli = model.Encode(Texts, new EncodeOptions { Instruction = Instruction, BatchSize = 2, MaxBatchTokens = 40 });

        // IEmbeddingGenerator: instruction and role in the options.
        using var generator = new EmbeddingGenerator(model, "m");
        var generated = await generator.GenerateAsync(Texts, new EmbeddingGenerationOptions
        {
            AdditionalProperties = new AdditionalPropertiesDictionary { [EmbeddingGenerator.InstructionProperty] = Instruction, [EmbeddingGenerator.RoleProperty] = "query" },
        });

        // Evaluation: the MTEB text encoder over the generator, instruction passed beside the text.
        var evaluation = await new TextEncoder(generator, "m", cache: null, batchSize: 3, instructionMode: InstructionMode.Separate)
            .EncodeAsync("Task", "test", TextRole.Query, Instruction, Texts);

        AssertSame(training, embedInputs, "training vs embed");
        AssertSame(training, embedCli, "training vs embed --instruction");
        AssertSame(training, generated.Select(e => e.Vector.ToArray()).ToArray(), "training vs IEmbeddingGenerator");
        AssertSame(training, evaluation, "training vs evaluation");

        // The instruction really reaches the model (it used to vanish in InstructionMode.Separate): without it the
        // vectors differ, and documents never get it.
        var plain = model.Encode(Texts.Select(t => new EmbeddingInput(t)).ToList());
        Assert.True(plain.Zip(training).Any(p => p.First.Zip(p.Second).Any(q => Math.Abs(q.First - q.Second) > 1e-4)), "instruction had no effect");
        var documents = await new TextEncoder(generator, "m", cache: null, instructionMode: InstructionMode.Separate)
            .EncodeAsync("Task", "test", TextRole.Document, Instruction, Texts);
        AssertSame(plain, documents, "documents get no instruction");
    }

    [Fact]
    public void InstructionTokensAreExcludedFromPoolingOnlyWhereTheModelSaysSo()
    {
        using var excluded = NewModel("mean-bidirectional");
        var batch = excluded.Collate([excluded.Tokenize(new EmbeddingInput("text", "inst", TextRole.Query))]);
        var prefix = excluded.Config.Instruction.Prefix("inst").Length + 1; // CharTokenizer: BOS + one id per character
        Assert.Equal(Enumerable.Repeat(0L, prefix).Concat(Enumerable.Repeat(1L, 5)), batch.PoolingMask.data<long>().ToArray());
        batch.Dispose();

        using var model = EmbeddingModel.Create(excluded.Config with { Instruction = excluded.Config.Instruction with { ExcludeFromPooling = false } },
            DecoderModel.CreateRandom(EmbeddingModelTests.Tiny, 1), new CharTokenizer());
        using var included = model.Collate([model.Tokenize(new EmbeddingInput("text", "inst", TextRole.Query))]);
        Assert.All(included.PoolingMask.data<long>().ToArray(), v => Assert.Equal(1L, v));
    }

    [Fact]
    public void TokenBudgetBatchesAreLongestFirstAndWithinBudget()
    {
        var lengths = new[] { 3, 10, 4, 9, 2, 2 };
        var inputs = lengths.Select(n => new TokenizedText(Enumerable.Repeat(5, n).ToList(), 0)).ToList();
        // Longest first: 10, 9, 4, 3, 2, 2 (indices 1, 3, 2, 0, 4, 5). Budget 20 padded tokens, at most 3 texts:
        // [10, 9] = 20; [4, 3, 2] = 12; [2] alone.
        var batches = EmbeddingModel.TokenBudgetBatches(inputs, batchSize: 3, maxBatchTokens: 20).ToList();
        Assert.Equal([[1, 3], [2, 0, 4], [5]], batches);
        // A text longer than the budget still gets a batch of its own.
        Assert.Equal([[1], [3], [2, 0], [4, 5]], EmbeddingModel.TokenBudgetBatches(inputs, 8, 9).ToList());
    }

    [Fact]
    public async Task TheCacheNeverMixesTwoModelsThatShareAFolderName()
    {
        using var dir = TestPaths.NewTempDir();
        var cache = new EmbeddingCache(dir.Path);
        using var a = NewModel("mean-bidirectional", seed: 1);
        using var b = NewModel("mean-bidirectional", seed: 2);
        using var genA = new EmbeddingGenerator(a, "model");
        using var genB = new EmbeddingGenerator(b, "model");
        var fromA = await new TextEncoder(genA, "model", cache).EncodeAsync("T", "test", TextRole.Text, null, Texts);
        var encoderB = new TextEncoder(genB, "model", cache);
        var fromB = await encoderB.EncodeAsync("T", "test", TextRole.Text, null, Texts);
        Assert.Equal(0, encoderB.CacheHits);
        Assert.Equal(Texts.Length, encoderB.EncodedTextCount);
        Assert.NotEqual(fromA[0], fromB[0]);

        // The same model under another folder name does hit: the key is what the model is, not what it is called.
        using var genA2 = new EmbeddingGenerator(a, "another-name");
        var again = new TextEncoder(genA2, "another-name", cache);
        Assert.Equal(fromA, await again.EncodeAsync("T", "test", TextRole.Text, null, Texts));
        Assert.Equal(1, again.CacheHits);
        // A different max length is a different model for the cache.
        Assert.NotEqual(genA.Fingerprint, new EmbeddingGenerator(a, "model", new EncodeOptions { MaxLength = 8 }).Fingerprint);
    }
}
