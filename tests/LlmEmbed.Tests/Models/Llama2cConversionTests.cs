using System.CommandLine;
using LlmEmbed.Checkpoints;
using LlmEmbed.Cli.Commands;
using LlmEmbed.Models;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tokenization;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Models;

/// <summary>stories260K converted through the CLI (<c>convert</c>, <c>forward</c>) against llama2.c run.c's outputs.</summary>
public class Llama2cConversionTests
{
    private static int Cli(params string[] args) => new RootCommand { ConvertCommand.Create(), ForwardCommand.Create(), InfoCommand.Create(), GenerateCommand.Create() }.Parse(args).Invoke();

    private static string Convert(TempDir dir)
    {
        string output = Path.Combine(dir.Path, "stories260K");
        Assert.Equal(0, Cli("convert", "--from-llama2c", Path.Combine(Stories260KTests.ModelDir, "stories260K.bin"),
            "--tokenizer", Path.Combine(Stories260KTests.ModelDir, "tok512.bin"), "--output", output));
        return output;
    }

    [Fact]
    public void ConvertedFolderReproducesTheReferenceLogits()
    {
        using var dir = TestPaths.NewTempDir();
        string model = Convert(dir);
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(model, f)), $"{f} missing");
        using var m = DecoderModel.Load(model);
        using var _ = no_grad();
        using var ids = tensor(Stories260KTests.SequenceIds()).unsqueeze(0);
        using var output = m.Forward(ids, null, AttentionMode.Causal, computeLogits: true);
        Stories260KTests.AssertClose(Stories260KTests.ReadFloats("logits.bin"), output.Logits![0], 1e-4, "logits");
        var info = ModelFolderInfo.Read(model);
        Assert.Equal("float32", info.WeightsDType);
        Assert.Equal(260_032, info.StoredParameters);
        Assert.Equal("tokenizer.json (SentencePiece-style BPE)", info.TokenizerKind);
        Assert.Contains(("attention heads", "8 query / 4 key-value (head dim 8)"), info.Lines());
        var tokenizer = TextTokenizer.Load(model);
        string text = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";
        Assert.Equal(Stories260KTests.SequenceIds().Select(i => (int)i), tokenizer.Encode(text));
    }

    [Fact]
    public void ForwardWritesTheDocumentedTensors()
    {
        using var dir = TestPaths.NewTempDir();
        string model = Convert(dir);
        long[] seq = Stories260KTests.SequenceIds();
        string byIds = dir.File("ids.safetensors"), byText = dir.File("text.safetensors");
        Assert.Equal(0, Cli("forward", "--model", model, "--ids", string.Join(",", seq), "--output", byIds));
        Assert.Equal(0, Cli("forward", "--model", model, "--text", "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.", "--output", byText));
        var header = SafeTensorsFile.ReadHeader(byIds);
        Assert.Equal(["input_ids", "hidden.0", "hidden.1", "hidden.2", "hidden.3", "hidden.4", "hidden.5", "logits"], header.Tensors.Select(t => t.Name));
        var a = SafeTensorsFile.Load(byIds);
        var b = SafeTensorsFile.Load(byText);
        try
        {
            Assert.Equal(ScalarType.Int64, a["input_ids"].dtype);
            Assert.Equal(seq, a["input_ids"].data<long>().ToArray());
            Assert.Equal(seq, b["input_ids"].data<long>().ToArray());
            Assert.Equal([32L, 512L], a["logits"].shape);
            Stories260KTests.AssertClose(Stories260KTests.ReadFloats("logits.bin"), a["logits"], 1e-4, "logits");
            Stories260KTests.AssertClose(Stories260KTests.ReadFloats("final_norm.bin"), a["hidden.5"], 1e-4, "hidden.5 (final norm)");
            float[] hidden = Stories260KTests.ReadFloats("hidden_states.bin");
            for (int l = 0; l < 5; l++)
            {
                Assert.Equal(ScalarType.Float32, a[$"hidden.{l}"].dtype);
                Assert.Equal([32L, 64L], a[$"hidden.{l}"].shape);
                Stories260KTests.AssertClose(hidden.AsSpan(l * 32 * 64, 32 * 64).ToArray(), a[$"hidden.{l}"], 1e-4, $"hidden.{l}");
            }
            Assert.True(a["logits"].allclose(b["logits"], rtol: 0, atol: 0));
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
        // Bidirectional and bf16 runs write the same layout; bidirectional changes every position but the last.
        string bidi = dir.File("bidi.safetensors");
        Assert.Equal(0, Cli("forward", "--model", model, "--ids", string.Join(",", seq), "--attention", "bidirectional", "--dtype", "bfloat16", "--output", bidi));
        Assert.Equal(ScalarType.Float32, SafeTensorsFile.ReadHeader(bidi).Tensors.Single(t => t.Name == "logits").DType);
        Assert.Equal("bidirectional", SafeTensorsFile.ReadHeader(bidi).Metadata["attention"]);
        Assert.Equal("bfloat16", SafeTensorsFile.ReadHeader(bidi).Metadata["dtype"]);
    }

    [Fact]
    public void GenerateContinuesGreedilyLikeRunC()
    {
        using var dir = TestPaths.NewTempDir();
        string model = Convert(dir);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Stories260KTests.ModelDir, "golden", "greedy_once_upon_a_time_64.json")));
        string expected = doc.RootElement.GetProperty("text").GetString()!;
        var original = Console.Out;
        var captured = new StringWriter();
        int rc;
        try
        {
            Console.SetOut(captured);
            rc = Cli("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "64", "--temperature", "0");
        }
        finally
        {
            Console.SetOut(original);
        }
        Assert.Equal(0, rc);
        // Other tests may log to the console meanwhile, so look for the text rather than comparing the whole output.
        Assert.Contains(expected + Environment.NewLine, captured.ToString());
    }

    [Fact]
    public void GeneratePrintsOnlyTextWithAByteLevelTokenizer()
    {
        using var dir = TestPaths.NewTempDir();
        string model = Convert(dir);
        // Replace the llama2.c tokenizer by a byte-level BPE (320 ids fit the 512-token model; its config says add_bos_token: false).
        var docs = LlmEmbed.Tests.Training.Pretraining.TinyCorpus.Write(dir.File("corpus"), files: 1, documentsPerFile: 40).SelectMany(f => f.Documents);
        var tok = LlmEmbed.Tests.Training.Pretraining.TinyCorpus.TrainTokenizer(docs, model);
        Assert.False(tok.AddBos);
        const string prompt = "the cat sat on";
        var ids = tok.Encode(prompt, addBos: false, addEos: false);
        var wrapped = new List<int> { tok.BosId!.Value };
        wrapped.AddRange(ids);
        wrapped.Add(tok.EosId!.Value);
        Assert.Contains(BpeTokenizerTrainer.BosToken, tok.Decode(wrapped));   // what the old output showed
        Assert.Equal(prompt, tok.DecodeText(wrapped));

        var original = Console.Out;
        var captured = new StringWriter();
        int rc;
        try
        {
            Console.SetOut(captured);
            rc = Cli("generate", "--model", model, "--prompt", prompt, "--max-tokens", "8", "--temperature", "0");
        }
        finally
        {
            Console.SetOut(original);
        }
        Assert.Equal(0, rc);
        string output = captured.ToString();
        Assert.Contains(Environment.NewLine + prompt, Environment.NewLine + output);
        Assert.DoesNotContain("<|", output);
    }

    [Fact]
    public void BadInputGivesAnErrorExitCode()
    {
        using var dir = TestPaths.NewTempDir();
        Assert.Equal(2, Cli("convert", "--from-llama2c", dir.File("missing.bin"), "--tokenizer", dir.File("tok.bin"), "--output", dir.File("out")));
        Assert.Equal(2, Cli("info", "--model", dir.File("nope")));
        Assert.Throws<FormatException>(() => ForwardCommand.ParseIds("1,x,3"));
        Assert.Equal([1, 2, 3], ForwardCommand.ParseIds("1, 2,3"));
    }
}
