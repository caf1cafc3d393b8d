using System.Text.Json;
using LlmEmbed.Models;
using LlmEmbed.Tests.Support;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Models;

/// <summary>
/// The real pretrained stories260K Llama (llama2.c format), converted by our importer, against the outputs of
/// Karpathy's reference C implementation (../shared/models/stories260K/golden).
/// </summary>
public class Stories260KTests
{
    internal static string ModelDir => TestPaths.Models("stories260K");
    private static string GoldenPath(string name) => Path.Combine(ModelDir, "golden", name);

    internal static DecoderModel LoadImported()
    {
        var (config, tensors) = Llama2cCheckpoint.Read(Path.Combine(ModelDir, "stories260K.bin"));
        var model = new DecoderModel(config);
        model.LoadWeights(tensors, "stories260K.bin");
        foreach (var t in tensors.Values) t.Dispose();
        model.eval();
        return model;
    }

    internal static float[] ReadFloats(string name)
    {
        byte[] bytes = File.ReadAllBytes(GoldenPath(name));
        var result = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
        return result;
    }

    internal static long[] SequenceIds()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(GoldenPath("seq32_ids.json")));
        return doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
    }

    internal static void AssertClose(float[] expected, Tensor actual, double atol, string what)
    {
        var got = actual.contiguous().to(ScalarType.Float32).data<float>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        double worst = 0; int at = -1;
        for (int i = 0; i < got.Length; i++)
        {
            double d = Math.Abs(got[i] - expected[i]) - 1e-4 * Math.Abs(expected[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= atol, $"{what}: max excess difference {worst} at flat index {at} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? got[at] : 0)})");
    }

    [Fact]
    public void ConfigComesFromTheHeader()
    {
        var (config, tensors) = Llama2cCheckpoint.Read(Path.Combine(ModelDir, "stories260K.bin"));
        Assert.Equal(64, config.HiddenSize);
        Assert.Equal(172, config.IntermediateSize);
        Assert.Equal(5, config.NumHiddenLayers);
        Assert.Equal(8, config.NumAttentionHeads);
        Assert.Equal(4, config.NumKeyValueHeads);
        Assert.Equal(512, config.VocabSize);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(260_032, config.ParameterCount);
        Assert.Equal(260_032, tensors.Values.Sum(t => t.numel()));
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void LogitsAndHiddenStatesMatchTheReferenceImplementation()
    {
        using var model = LoadImported();
        using var _ = no_grad();
        using var ids = tensor(SequenceIds()).unsqueeze(0);
        using var output = model.Forward(ids, null, AttentionMode.Causal, computeLogits: true);

        AssertClose(ReadFloats("logits.bin"), output.Logits![0], 1e-4, "logits");
        AssertClose(ReadFloats("final_norm.bin"), output.HiddenStates[^1][0], 1e-4, "final norm (hidden_states[L])");
        float[] hidden = ReadFloats("hidden_states.bin"); // [6, 32, 64]: embeddings, then after each layer (no final norm)
        Assert.Equal(6, output.HiddenStates.Count);
        for (int l = 0; l < 5; l++)
            AssertClose(hidden.AsSpan(l * 32 * 64, 32 * 64).ToArray(), output.HiddenStates[l][0], 1e-4, $"hidden_states[{l}]");
    }

    [Fact]
    public void LogitsMatchWithPaddingOnEitherSide()
    {
        using var model = LoadImported();
        using var _ = no_grad();
        long[] seq = SequenceIds();
        float[] expected = ReadFloats("logits.bin");
        foreach (bool left in new[] { true, false })
        {
            var ids = new long[40];
            var mask = new long[40];
            int offset = left ? 8 : 0;
            for (int i = 0; i < 32; i++) { ids[offset + i] = seq[i]; mask[offset + i] = 1; }
            using var input = tensor(ids).view(1, 40);
            using var m = tensor(mask).view(1, 40);
            using var output = model.Forward(input, m, AttentionMode.Causal, computeLogits: true);
            AssertClose(expected, output.Logits![0].narrow(0, offset, 32), 1e-4, left ? "left padded" : "right padded");
        }
    }

    [Fact]
    public void GreedyContinuationMatchesTheReferenceTokenForToken()
    {
        using var model = LoadImported();
        using var doc = JsonDocument.Parse(File.ReadAllText(GoldenPath("greedy_once_upon_a_time_64.json")));
        int[] prompt = doc.RootElement.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int[] expected = doc.RootElement.GetProperty("generated_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var generated = TextGenerator.Generate(model, prompt, new GenerationOptions { MaxNewTokens = expected.Length });
        Assert.Equal(expected, generated);
    }

    [Fact]
    public void TruncatedCheckpointIsRejectedWithItsPath()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("cut.bin");
        byte[] bytes = File.ReadAllBytes(Path.Combine(ModelDir, "stories260K.bin"));
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 100).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Llama2cCheckpoint.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }
}
