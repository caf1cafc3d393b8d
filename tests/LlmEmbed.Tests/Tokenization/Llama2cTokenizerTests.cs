using System.Text.Json;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Tests.Tokenization;

/// <summary>stories260K's tok512.bin against llama2.c run.c's encode/decode (../shared/models/stories260K/golden).</summary>
public class Llama2cTokenizerTests
{
    private static string ModelDir => TestPaths.Models("stories260K");
    private static TextTokenizer Tok512 => TokenizerGolden.Get("tok512", () => TextTokenizer.LoadFile(Path.Combine(ModelDir, "tok512.bin")));

    private static JsonElement Golden(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelDir, "golden", name)));
        return doc.RootElement.Clone();
    }

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    [Fact]
    public void EncodesTheReferenceSequenceLikeRunC()
    {
        var seq = Golden("seq32_ids.json");
        int[] ids = Ints(seq.GetProperty("ids"));
        Assert.Equal(ids, Tok512.Encode(seq.GetProperty("text").GetString()!));
        // The 20-token prefix sentence the sequence was built from (+ BOS).
        Assert.Equal(ids.Take(21), Tok512.Encode("Once upon a time, there was a little girl named Lily. She loved to play"));
        var greedy = Golden("greedy_once_upon_a_time_64.json");
        Assert.Equal(Ints(greedy.GetProperty("prompt_ids")), Tok512.Encode("Once upon a time"));
    }

    [Fact]
    public void DecodesLikeRunC()
    {
        var greedy = Golden("greedy_once_upon_a_time_64.json");
        Assert.Equal(greedy.GetProperty("text").GetString(), Tok512.Decode(Ints(greedy.GetProperty("all_ids"))));
        var empty = Golden("greedy_empty_prompt_steps256.json");
        Assert.Equal(empty.GetProperty("text").GetString(), Tok512.Decode(Ints(empty.GetProperty("all_ids"))));
    }

    [Fact]
    public void SpecialIdsAndVocabulary()
    {
        Assert.Equal(512, Tok512.VocabSize);
        Assert.Equal(1, Tok512.BosId);
        Assert.Equal(2, Tok512.EosId);
        Assert.True(Tok512.AddBos);
        Assert.False(Tok512.AddEos);
        Assert.Equal(259, Tok512.TokenToId(" t"));
        Assert.Equal("llama2.c tokenizer.bin", Tok512.Kind);
        Assert.Equal([1], Tok512.Encode(""));
        // Characters outside the 512 pieces fall back to bytes (id = byte + 3): "日" = E6 97 A5.
        Assert.Null(Tok512.TokenToId("日"));
        Assert.Equal([0xE6 + 3, 0x97 + 3, 0xA5 + 3], Tok512.Encode("日", addSpecialTokens: false).Skip(1));
        Assert.Equal("日", Tok512.Decode(Tok512.Encode("日")));
    }

    [Fact]
    public void WrittenHuggingFaceTokenizerJsonEncodesTheSame()
    {
        using var dir = TestPaths.NewTempDir();
        Tok512.SaveTo(dir.Path);
        Assert.True(File.Exists(dir.File("tokenizer.json")));
        var json = TextTokenizer.Load(dir.Path);
        Assert.Equal("tokenizer.json (SentencePiece-style BPE)", json.Kind);
        Assert.Equal(512, json.VocabSize);
        Assert.Equal(1, json.BosId);
        Assert.Equal(2, json.EosId);
        var texts = Enumerable.Range(0, TokenizerGolden.Count).Select(i => TokenizerGolden.Text("llama2", i))
            .Where(t => !t.Contains("<s>") && !t.Contains("</s>")) // HF matches these as special tokens, run.c does not
            .Append(Golden("seq32_ids.json").GetProperty("text").GetString()!)
            .Append(Golden("greedy_empty_prompt_steps256.json").GetProperty("text").GetString()!);
        foreach (string text in texts)
        {
            var expected = Tok512.Encode(text);
            Assert.Equal(expected, json.Encode(text));
            Assert.Equal(Tok512.Decode(expected), json.Decode(expected));
        }
    }

    [Fact]
    public void TruncatedFileIsRejectedWithItsPath()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("cut.bin");
        byte[] bytes = File.ReadAllBytes(Path.Combine(ModelDir, "tok512.bin"));
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 3).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => TextTokenizer.LoadFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("token 511", e.Message);
        Assert.Contains("truncated", e.Message);
    }
}
