using LlmEmbed.Tokenization;

namespace LlmEmbed.Tests.Tokenization;

/// <summary>
/// Every golden string of every reference tokenizer, encoded and decoded by our loaders, against the reference
/// implementations' ids (SentencePiece for llama2/tokenizer.model, transformers.js for the tokenizer.json files,
/// OpenAI's encoder for GPT-2). Known, explained differences are asserted exactly, not skipped.
/// </summary>
public class GoldenTokenizationTests
{
    /// <summary>Case 19 holds literal special-token text ("&lt;s&gt; &lt;/s&gt; &lt;|endoftext|&gt; &lt;think&gt;").</summary>
    private const int SpecialLookalikes = 19;

    private static TextTokenizer Llama2Model => TokenizerGolden.Get("llama2.model", () => TextTokenizer.LoadFile(Path.Combine(TokenizerGolden.Dir("llama2"), "tokenizer.model")));
    private static TextTokenizer Llama2Json => TokenizerGolden.Get("llama2.json", () => TextTokenizer.LoadFile(Path.Combine(TokenizerGolden.Dir("llama2"), "tokenizer.json")));
    private static TextTokenizer Mistral => TokenizerGolden.Get("mistral", () => TextTokenizer.Load(TokenizerGolden.Dir("mistral")));
    private static TextTokenizer Qwen2 => TokenizerGolden.Get("qwen2", () => TextTokenizer.Load(TokenizerGolden.Dir("qwen2")));
    private static TextTokenizer Gpt2 => TokenizerGolden.Get("gpt2", () => TextTokenizer.Load(TokenizerGolden.Dir("gpt2")));

    [Theory]
    [MemberData(nameof(TokenizerGolden.Cases), MemberType = typeof(TokenizerGolden))]
    public void Llama2SentencePieceModelMatchesSentencePiece(int id)
    {
        string text = TokenizerGolden.Text("llama2", id);
        Assert.Equal(TokenizerGolden.Ids("llama2", id, "ids_no_bos"), Llama2Model.Encode(text, addBos: false, addEos: false));
        Assert.Equal(TokenizerGolden.Ids("llama2", id, "ids_with_bos"), Llama2Model.Encode(text));
        Assert.Equal(TokenizerGolden.Decoded("llama2", id), Llama2Model.Decode(TokenizerGolden.Ids("llama2", id, "ids_no_bos")));
        // Special tokens produce no text, so BOS/EOS do not change the decoded string.
        Assert.Equal(TokenizerGolden.Decoded("llama2", id), Llama2Model.Decode(Llama2Model.Encode(text, addBos: true, addEos: true)));
    }

    [Theory]
    [MemberData(nameof(TokenizerGolden.Cases), MemberType = typeof(TokenizerGolden))]
    public void Llama2TokenizerJsonMatchesHuggingFace(int id)
    {
        string text = TokenizerGolden.Text("llama2", id);
        int[] hf = TokenizerGolden.Ids("llama2", id, "hf_json_ids_add_special");
        Assert.Equal(hf, Llama2Json.Encode(text));
        int[] sentencePiece = TokenizerGolden.Ids("llama2", id, "ids_with_bos");
        if (id != SpecialLookalikes)
        {
            Assert.Equal(sentencePiece, hf);
        }
        else
        {
            // HF matches "<s>" / "</s>" in raw text as the special tokens 1 / 2 and gives every text segment between
            // them its own "▁" prefix ("▁" = 29871, "▁▁" = 259); SentencePiece encodes them as plain characters.
            Assert.NotEqual(sentencePiece, hf);
            Assert.Equal([29871, 1, 259, 2, 29871], hf.Skip(8).Take(5));
            Assert.Equal(sentencePiece.Take(8), hf.Take(8));
        }
        // Decoding drops special tokens, so for case 19 only the "▁" prefixes of the three segments remain.
        Assert.Equal(id == SpecialLookalikes ? "<|endoftext|>     [INST] special-looking strings <think>" : TokenizerGolden.Decoded("llama2", id),
            Llama2Json.Decode(hf.Skip(1)));
    }

    [Theory]
    [MemberData(nameof(TokenizerGolden.Cases), MemberType = typeof(TokenizerGolden))]
    public void MistralTokenizerJsonMatchesHuggingFace(int id)
    {
        string text = TokenizerGolden.Text("mistral", id);
        int[] noBos = TokenizerGolden.Ids("mistral", id, "ids_no_bos");
        Assert.Equal(TokenizerGolden.Ids("mistral", id, "ids_with_bos"), Mistral.Encode(text));
        Assert.Equal(noBos, Mistral.Encode(text, addSpecialTokens: false));
        // The reference decoded with special tokens kept; our Decode drops them (HF skip_special_tokens=True).
        string expected = TokenizerGolden.Decoded("mistral", id);
        if (id == SpecialLookalikes) expected = expected.Replace("<s>", "").Replace("</s>", "");
        Assert.Equal(expected, Mistral.Decode(noBos));
        Assert.Equal(expected, Mistral.Decode(Mistral.Encode(text, addBos: true, addEos: true)));
    }

    [Theory]
    [MemberData(nameof(TokenizerGolden.Cases), MemberType = typeof(TokenizerGolden))]
    public void Qwen2TokenizerJsonMatchesHuggingFace(int id)
    {
        string text = TokenizerGolden.Text("qwen2", id);
        int[] ids = TokenizerGolden.Ids("qwen2", id, "ids");
        Assert.Equal(ids, Qwen2.Encode(text));
        Assert.Equal(ids, Qwen2.Encode(text, addSpecialTokens: false));
        Assert.Equal(TokenizerGolden.Decoded("qwen2", id), Qwen2.Decode(ids));
    }

    private static TextTokenizer Qwen2VocabMerges => TokenizerGolden.Get("qwen2.vocab", () =>
    {
        // vocab.json + merges.txt + tokenizer_config.json, as in the original Qwen2 repos (Load prefers tokenizer.json).
        var dir = Path.Combine(Path.GetTempPath(), "llmembed-qwen2-vocab-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var f in new[] { "vocab.json", "merges.txt", "tokenizer_config.json" })
            File.Copy(Path.Combine(TokenizerGolden.Dir("qwen2"), f), Path.Combine(dir, f), overwrite: true);
        try { return TextTokenizer.Load(dir); }
        finally { Directory.Delete(dir, recursive: true); }
    });

    /// <summary>tokenizer_class Qwen2Tokenizer selects Qwen2's regex and NFC; added_tokens_decoder supplies the special tokens.</summary>
    [Theory]
    [MemberData(nameof(TokenizerGolden.Cases), MemberType = typeof(TokenizerGolden))]
    public void Qwen2VocabMergesWithConfigMatchesHuggingFace(int id)
    {
        Assert.Equal("vocab.json + merges.txt (byte-level BPE)", Qwen2VocabMerges.Kind);
        int[] golden = TokenizerGolden.Ids("qwen2", id, "ids");
        Assert.Equal(golden, Qwen2VocabMerges.Encode(TokenizerGolden.Text("qwen2", id)));
        Assert.Equal(TokenizerGolden.Decoded("qwen2", id), Qwen2VocabMerges.Decode(golden));
    }

    [Theory]
    [MemberData(nameof(TokenizerGolden.Cases), MemberType = typeof(TokenizerGolden))]
    public void Gpt2VocabMergesMatchesOpenAiEncoder(int id)
    {
        string text = TokenizerGolden.Text("gpt2", id);
        int[] ids = TokenizerGolden.Ids("gpt2", id, "ids");
        Assert.Equal(ids, Gpt2.Encode(text));
        Assert.Equal(TokenizerGolden.Decoded("gpt2", id), Gpt2.Decode(ids));
    }

    [Fact]
    public void SpecialTokensFollowTokenizerConfig()
    {
        foreach (var tok in new[] { Llama2Model, Llama2Json, Mistral })
        {
            Assert.Equal(1, tok.BosId);
            Assert.Equal(2, tok.EosId);
            Assert.True(tok.AddBos);
            Assert.False(tok.AddEos);
            Assert.Null(tok.PadId);
            Assert.Equal(32000, tok.VocabSize);
        }
        Assert.Null(Qwen2.BosId);
        Assert.Equal(151645, Qwen2.EosId);   // <|im_end|>
        Assert.Equal(151643, Qwen2.PadId);   // <|endoftext|>
        Assert.False(Qwen2.AddBos);
        Assert.Equal(151669, Qwen2.VocabSize);
        Assert.Equal(50257, Gpt2.VocabSize);
        Assert.Equal("sentencepiece", Llama2Model.Kind);
        Assert.Equal("tokenizer.json (SentencePiece-style BPE)", Mistral.Kind);
    }

    [Fact]
    public void ExplicitBosEosAndTruncationKeepTheSpecialTokens()
    {
        var tok = Mistral;
        string text = TokenizerGolden.Text("mistral", 0);
        int[] plain = TokenizerGolden.Ids("mistral", 0, "ids_no_bos");
        Assert.Equal([1, .. plain, 2], tok.Encode(text, addBos: true, addEos: true));
        Assert.Equal([.. plain, 2], tok.Encode(text, addBos: false, addEos: true));
        Assert.Equal([1, plain[0], plain[1], 2], tok.Encode(text, addBos: true, addEos: true, maxLength: 4));
        Assert.Equal(plain.Take(3), tok.Encode(text, addBos: false, addEos: false, maxLength: 3));
        Assert.Equal([1], tok.Encode(text, addBos: true, addEos: true, maxLength: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Encode(text, true, true, maxLength: 0));
        Assert.Empty(tok.Encode("", addSpecialTokens: false));
    }

    [Fact]
    public void TokenToIdFindsPieces()
    {
        Assert.Equal(22557, Mistral.TokenToId("\u2581Hello"));
        Assert.Equal(151644, Qwen2.TokenToId("<|im_start|>"));
        Assert.Null(Mistral.TokenToId("no-such-piece-anywhere"));
    }
}
