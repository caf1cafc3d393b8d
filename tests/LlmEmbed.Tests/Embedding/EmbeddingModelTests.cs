using System.Text.Json.Nodes;
using LlmEmbed.Checkpoints;
using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Pooling;
using LlmEmbed.Tests.Support;
using Microsoft.Extensions.AI;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Embedding;

public class EmbeddingModelTests
{
    internal static readonly DecoderConfig Tiny = new()
    {
        VocabSize = 48, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeadsRaw = 2, MaxPositionEmbeddings = 128, BosTokenId = 1, EosTokenIdRaw = null,
    };

    private static readonly string[] Texts = ["a short one", "the longest text of the whole batch here", "mid length text", "x", "another text"];

    private static EmbeddingModelConfig Small(EmbeddingModelConfig c) => c with
    {
        MaxLength = 64,
        Pooler = c.Pooler with { NumLatents = 4, NumHeads = 2, HeadSize = 8, Seed = 3 },
        Lora = c.Lora with { Rank = 4, Alpha = 8, Dropout = 0.1, Seed = 2 },
    };

    /// <summary>Every pooler (both latent orientations) under both attention modes.</summary>
    public static TheoryData<string> Designs()
    {
        var data = new TheoryData<string>();
        foreach (var pooler in new[] { "eos", "mean", "latent-attention", "latent-tokens-query", "multi-layer" })
            foreach (var mode in new[] { "causal", "bidirectional" }) data.Add($"{pooler}/{mode}");
        return data;
    }

    private static EmbeddingModelConfig Design(string design)
    {
        var (pooler, mode) = (design.Split('/')[0], design.Split('/')[1]);
        var options = pooler == "latent-tokens-query"
            ? new PoolerOptions { Kind = PoolerKind.LatentAttention, Orientation = LatentAttentionOrientation.TokensQuery }
            : new PoolerOptions { Kind = PoolerFactory.ParseKind(pooler) };
        return Small(new EmbeddingModelConfig { Attention = mode == "causal" ? AttentionMode.Causal : AttentionMode.Bidirectional, Pooler = options });
    }

    private static EmbeddingModel NewModel(EmbeddingModelConfig config, long seed = 1, bool trainLora = true)
    {
        var model = EmbeddingModel.Create(config, DecoderModel.CreateRandom(Tiny, seed), new CharTokenizer());
        if (trainLora) RandomizeLoraB(model, seed + 100);
        return model;
    }

    /// <summary>Gives every B matrix random values, as after training, so the adapters change the output.</summary>
    internal static void RandomizeLoraB(EmbeddingModel model, long seed)
    {
        var g = new TorchSharp.torch.Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (_, _, p) in model.Backbone.Projections)
            if (p.LoraB is { } b) b.copy_(randn(b.shape, generator: g).mul_(0.1));
    }

    private static void AssertClose(float[][] expected, float[][] actual, double atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (int j = 0; j < expected[i].Length; j++) worst = Math.Max(worst, Math.Abs(expected[i][j] - actual[i][j]));
        }
        Assert.True(worst <= atol, $"{what}: max difference {worst} > {atol}");
    }

    private static double MaxDiff(float[][] a, float[][] b) => a.Zip(b).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second)));

    [Theory]
    [MemberData(nameof(Designs))]
    public void EmbeddingsDoNotDependOnPaddingSideBatchingOrPadIds(string design)
    {
        using var model = NewModel(Design(design));
        var alone = Texts.Select(t => model.Encode([t], new EncodeOptions { BatchSize = 1 })[0]).ToArray();
        var right = model.Encode(Texts, new EncodeOptions { BatchSize = 8, PaddingSide = PaddingSide.Right });
        var left = model.Encode(Texts, new EncodeOptions { BatchSize = 8, PaddingSide = PaddingSide.Left });
        AssertClose(alone, right, 1e-5, $"{design}: right-padded batch vs alone");
        AssertClose(alone, left, 1e-5, $"{design}: left-padded batch vs alone");
        Assert.All(right, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 5));

        // Different ids in the padding positions change nothing.
        var tokenized = Texts.Select(t => model.Tokenize(t)).ToList();
        using var _ = no_grad();
        using var batchA = TokenizedBatch.Collate(tokenized, padId: 0, excludeInstruction: true);
        using var batchB = TokenizedBatch.Collate(tokenized, padId: 37, excludeInstruction: true, side: PaddingSide.Left);
        using var batchC = TokenizedBatch.Collate(tokenized, padId: 5, excludeInstruction: true, side: PaddingSide.Left);
        using var eA = model.Forward(batchA);
        using var eB = model.Forward(batchB);
        using var eC = model.Forward(batchC);
        Assert.True(eB.sub(eC).abs().max().item<float>() == 0, $"{design}: pad ids changed the output");
        Assert.True(eA.sub(eB).abs().max().item<float>() <= 1e-5, $"{design}: left vs right padding in Forward");
    }

    [Theory]
    [InlineData("eos-causal")]
    [InlineData("latent-bidirectional")]
    [InlineData("multilayer-causal")]
    public void LoraWithZeroBEqualsTheBaseModelExactly(string preset)
    {
        var config = Small(EmbeddingPresets.Get(preset));
        using var withLora = NewModel(config, seed: 4, trainLora: false);
        using var without = NewModel(config with { Lora = config.Lora with { Enabled = false } }, seed: 4, trainLora: false);
        Assert.Equal(7 * Tiny.NumHiddenLayers, withLora.Backbone.Projections.Count(p => p.Projection.Rank == 4));
        var a = withLora.Encode(Texts);
        var b = without.Encode(Texts);
        AssertClose(b, a, 0, "B = 0 adapter vs no adapter");
        // Training mode (LoRA dropout active) still adds exactly nothing while B = 0.
        withLora.Train();
        using var _ = no_grad();
        using var batch = withLora.Collate(Texts.Select(t => withLora.Tokenize(t)).ToList());
        using var trained = withLora.Forward(batch);
        using var reference = without.Forward(batch);
        Assert.Equal(0f, trained.sub(reference).abs().max().item<float>());
    }

    [Fact]
    public void MergedEqualsUnmergedAndTheAdapterMatters()
    {
        var config = Small(EmbeddingPresets.Get("latent-causal"));
        using var model = NewModel(config, seed: 5);
        using var baseOnly = NewModel(config with { Lora = config.Lora with { Enabled = false } }, seed: 5, trainLora: false);
        var unmerged = model.Encode(Texts);
        Assert.True(MaxDiff(unmerged, baseOnly.Encode(Texts)) > 1e-3, "the trained adapter should change the embeddings");
        model.MergeLora();
        Assert.True(model.LoraMerged);
        AssertClose(unmerged, model.Encode(Texts), 1e-5, "merged vs unmerged");
    }

    [Fact]
    public void OnlyAdaptersAndPoolerAreTrainableAndForwardHasGradients()
    {
        using var model = NewModel(Small(EmbeddingPresets.Get("multilayer-bidirectional")), seed: 6);
        var trainable = model.TrainableParameters();
        Assert.All(trainable, p => Assert.True(p.Name.Contains(".lora_") || p.Name.StartsWith("pooler."), p.Name));
        Assert.Contains(trainable, p => p.Name == "model.layers.0.self_attn.q_proj.lora_A.weight");
        Assert.Contains(trainable, p => p.Name == "pooler.layer_embedding");
        Assert.All(model.Backbone.BaseParameters(), p => Assert.False(p.Parameter.requires_grad, p.Name));

        var report = model.Parameters();
        long lora = model.Backbone.Projections.Sum(p => p.Projection.LoraA!.numel() + p.Projection.LoraB!.numel());
        long pooler = model.Pooler.NamedParameters().Sum(p => p.Parameter.numel());
        Assert.Equal(lora, report.BackboneTrainable);
        Assert.Equal(lora + pooler, report.Trainable);
        Assert.Equal(Tiny.ParameterCount + lora + pooler, report.Total);

        model.Train();
        using var batch = model.Collate(Texts.Select(t => model.Tokenize(t)).ToList());
        var e = model.Forward(batch);
        Assert.Equal([Texts.Length, 32L], e.shape);
        e.sum().mul(1.0).add(e.pow(2).sum()).backward();
        Assert.All(trainable, p => Assert.True(p.Parameter.grad is not null && p.Parameter.grad.abs().sum().item<float>() > 0, $"{p.Name} got no gradient"));
    }

    public static TheoryData<string> Presets()
    {
        var data = new TheoryData<string>();
        foreach (var p in EmbeddingPresets.Names) data.Add(p);
        return data;
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void SaveThenLoadReproducesEmbeddingsExactly(string preset)
    {
        using var dir = TestPaths.NewTempDir();
        using var model = NewModel(Small(EmbeddingPresets.Get(preset)), seed: 7);
        var before = model.Encode(Texts, new EncodeOptions { Instruction = "find it" });
        model.Save(dir.Path, bundleBase: true);
        using var loaded = EmbeddingModel.Load(dir.Path, new CharTokenizer());
        Assert.Equal(model.Config with { BundledBase = true }, loaded.Config);
        AssertClose(before, loaded.Encode(Texts, new EncodeOptions { Instruction = "find it" }), 0, $"{preset}: reloaded");
        Assert.True(File.Exists(dir.File(EmbeddingModel.PoolerFile)) == (model.Pooler.NamedParameters().Count > 0));
    }

    [Fact]
    public void SaveRefersToAnUnbundledBaseModelAndLoadsItBack()
    {
        using var dir = TestPaths.NewTempDir();
        string baseDir = Path.Combine(dir.Path, "base-model"), embDir = Path.Combine(dir.Path, "embedder");
        DecoderModel.CreateRandom(Tiny, 8).Save(baseDir);
        var config = Small(EmbeddingPresets.Get("mean-bidirectional")) with { BaseModel = baseDir };
        using var model = EmbeddingModel.Create(config, DecoderModel.Load(baseDir), new CharTokenizer());
        RandomizeLoraB(model, 3);
        var before = model.Encode(Texts);
        model.Save(embDir);
        Assert.False(Directory.Exists(Path.Combine(embDir, EmbeddingModel.BundledBaseFolder)));
        using var loaded = EmbeddingModel.Load(embDir, new CharTokenizer());
        AssertClose(before, loaded.Encode(Texts), 0, "reloaded from base path");
    }

    [Fact]
    public void MergedModelsSaveTheirMergedWeights()
    {
        using var dir = TestPaths.NewTempDir();
        using var model = NewModel(Small(EmbeddingPresets.Get("eos-causal")), seed: 9);
        model.MergeLora();
        var before = model.Encode(Texts);
        model.Save(dir.Path);
        Assert.False(File.Exists(dir.File(PeftLoraAdapter.WeightsFile)));
        using var loaded = EmbeddingModel.Load(dir.Path, new CharTokenizer());
        Assert.False(loaded.Config.Lora.Enabled);
        AssertClose(before, loaded.Encode(Texts), 0, "merged model reloaded");
    }

    [Fact]
    public void AdapterUsesPeftNamesAndConfigFields()
    {
        using var dir = TestPaths.NewTempDir();
        var config = Small(EmbeddingPresets.Get("eos-causal", baseModel: "/models/base")) with { Lora = new LoraOptions { Rank = 4, Alpha = 8, Dropout = 0.1, Targets = ["q", "v", "down_proj"] } };
        using var model = NewModel(config);
        model.Save(dir.Path, bundleBase: true);
        var cfg = JsonNode.Parse(File.ReadAllText(dir.File("adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", cfg["peft_type"]!.GetValue<string>());
        Assert.Equal("FEATURE_EXTRACTION", cfg["task_type"]!.GetValue<string>());
        Assert.Equal(4, cfg["r"]!.GetValue<int>());
        Assert.Equal(8.0, cfg["lora_alpha"]!.GetValue<double>());
        Assert.Equal(0.1, cfg["lora_dropout"]!.GetValue<double>());
        Assert.Equal(["q_proj", "v_proj", "down_proj"], cfg["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("/models/base", cfg["base_model_name_or_path"]!.GetValue<string>());
        Assert.Equal("none", cfg["bias"]!.GetValue<string>());
        Assert.False(cfg["fan_in_fan_out"]!.GetValue<bool>());
        Assert.True(cfg["inference_mode"]!.GetValue<bool>());

        var header = SafeTensorsFile.ReadHeader(dir.File("adapter_model.safetensors"));
        var names = header.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        var expected = new List<string>();
        for (int l = 0; l < 2; l++)
            foreach (var m in new[] { "self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj" })
                foreach (var ab in new[] { "lora_A", "lora_B" }) expected.Add($"base_model.model.model.layers.{l}.{m}.{ab}.weight");
        Assert.Equal(expected.Order(StringComparer.Ordinal), names);
        var qa = header.Tensors.Single(t => t.Name == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        Assert.Equal([4L, 32], qa.Shape);
        var vb = header.Tensors.Single(t => t.Name == "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
        Assert.Equal([16L, 4], vb.Shape); // 2 KV heads × head dim 8

        // A mismatching adapter_config is refused, naming the file.
        cfg["r"] = 8;
        File.WriteAllText(dir.File("adapter_config.json"), cfg.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingModel.Load(dir.Path, new CharTokenizer()));
        Assert.Contains("adapter_config.json", e.Message);
    }

    [Fact]
    public void TokenizationAppendsEosTruncatesAndMarksTheInstruction()
    {
        var tok = new CharTokenizer();
        var instructions = new InstructionOptions();
        var plain = EmbeddingTokenization.Tokenize(tok, instructions, "abc", null, 64);
        Assert.Equal([1, 3 + 'a' % 40, 3 + 'b' % 40, 3 + 'c' % 40, 2], plain.Ids);
        Assert.Equal(0, plain.InstructionLength);
        var query = EmbeddingTokenization.Tokenize(tok, instructions, "abc", "find", 64);
        string prefix = "Instruct: find\nQuery: ";
        Assert.Equal(1 + prefix.Length, query.InstructionLength);
        Assert.Equal(1 + prefix.Length + 3 + 1, query.Ids.Count);
        Assert.Equal(2, query.Ids[^1]);
        var cut = EmbeddingTokenization.Tokenize(tok, instructions, "abcdefgh", null, 4);
        Assert.Equal([1, 3 + 'a' % 40, 3 + 'b' % 40, 2], cut.Ids);
    }

    [Fact]
    public void InstructionTokensAreExcludedFromMeanPooling()
    {
        var config = Small(EmbeddingPresets.Get("mean-bidirectional"));
        using var model = NewModel(config, seed: 10);
        var t = model.Tokenize("some text", "an instruction");
        using var _ = no_grad();
        using var batch = model.Collate([t]);
        using var output = model.Backbone.Forward(batch.InputIds, batch.AttentionMask, AttentionMode.Bidirectional);
        var last = output.LastHiddenState[0];
        var expected = EmbeddingNormalization.L2(last[TensorIndex.Slice(t.InstructionLength)].mean([0L]).unsqueeze(0));
        var got = model.Forward(batch);
        Assert.True(got.sub(expected).abs().max().item<float>() < 1e-6);
        using var included = EmbeddingModel.Create(config with { Instruction = new InstructionOptions { ExcludeFromPooling = false } }, DecoderModel.CreateRandom(Tiny, 1), new CharTokenizer());
        Assert.Equal(0, included.Collate([t]).PoolingMask.sum().item<long>() - t.Ids.Count);
    }

    [Fact]
    public async Task GeneratorRefusesDimensionsForAModelNotTrainedWithMatryoshka()
    {
        using var model = NewModel(Small(EmbeddingPresets.Get("eos-causal")), seed: 12);
        using var generator = new EmbeddingGenerator(model, "tiny-eos");
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 8 }));
        Assert.Contains("not trained with Matryoshka", e.Message);
    }

    [Fact]
    public async Task GeneratorGivesTheSameResultsFromManyThreadsAndTruncates()
    {
        using var model = NewModel(Small(EmbeddingPresets.Get("latent-causal")) with { MatryoshkaDims = [8, 16] }, seed: 11);
        using var generator = new EmbeddingGenerator(model, "tiny-latent");
        var inputs = Enumerable.Range(0, 12).Select(i => $"text number {i} " + new string('z', i)).ToArray();
        var sequential = new float[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++) sequential[i] = (await generator.GenerateAsync([inputs[i]]))[0].Vector.ToArray();
        var parallel = await Task.WhenAll(inputs.Select(x => Task.Run(async () => (await generator.GenerateAsync([x]))[0].Vector.ToArray())));
        // Not bitwise: libtorch's intra-op pool (and MKL) may split an op differently when several callers run at
        // once, which changes float summation order by an ulp or so (seen: 6e-8 on a loaded 2-core machine).
        AssertClose(sequential, parallel, 1e-6, "threads vs sequential");
        var batched = await generator.GenerateAsync(inputs);
        Assert.Equal(inputs.Length, batched.Count);
        AssertClose(sequential, batched.Select(e => e.Vector.ToArray()).ToArray(), 1e-5, "batched vs sequential");
        Assert.Equal("tiny-latent", batched[0].ModelId);

        var truncated = (await generator.GenerateAsync([inputs[0]], new EmbeddingGenerationOptions { Dimensions = 8 }))[0].Vector.ToArray();
        Assert.Equal(8, truncated.Length);
        Assert.Equal(1.0, Math.Sqrt(truncated.Sum(x => (double)x * x)), 5);
        double scale = truncated[0] / sequential[0][0];
        for (int k = 0; k < 8; k++) Assert.Equal(sequential[0][k] * scale, truncated[k], 5);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 33 }));
        var untrained = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 12 }));
        Assert.Contains("[8, 16]", untrained.Message);
        Assert.Equal(32, (await generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 32 }))[0].Vector.Length);

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("tiny-latent", metadata.DefaultModelId);
        Assert.Equal(32, metadata.DefaultModelDimensions);
        Assert.Same(model, generator.GetService<EmbeddingModel>());
        Assert.Same(generator, generator.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
    }

    [Fact]
    public void ConfigRoundTripsThroughJsonWithKebabCaseNames()
    {
        using var dir = TestPaths.NewTempDir();
        var config = EmbeddingPresets.Get("latent-bidirectional", "/m") with { Pooler = new PoolerOptions { Kind = PoolerKind.LatentAttention, Orientation = LatentAttentionOrientation.TokensQuery, Size = "paper" } };
        config.Save(dir.File("embedding_config.json"));
        string json = File.ReadAllText(dir.File("embedding_config.json"));
        Assert.Contains("\"latent-attention\"", json);
        Assert.Contains("\"tokens-query\"", json);
        Assert.Contains("\"bidirectional\"", json);
        Assert.Equal(config, EmbeddingModelConfig.Load(dir.Path));
        File.WriteAllText(dir.File("embedding_config.json"), json.Replace("\"bidirectional\"", "\"sideways\""));
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingModelConfig.Load(dir.Path));
        Assert.Contains("embedding_config.json", e.Message);
        Assert.Throws<ArgumentException>(() => EmbeddingPresets.Get("max-causal"));
    }
}
