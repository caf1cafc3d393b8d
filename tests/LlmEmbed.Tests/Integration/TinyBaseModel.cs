using LlmEmbed.Models;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Tests.Integration;

/// <summary>A tiny random Llama with the repository's real bpe-8k tokenizer, saved as an HF folder (a stand-in base model).</summary>
internal static class TinyBaseModel
{
    public static string TokenizerDir => Path.Combine(TestPaths.RepoRoot, "models", "bpe-8k");

    public static string Create(string dir, long seed = 3)
    {
        var tokenizer = TextTokenizer.Load(TokenizerDir);
        var config = new DecoderConfig
        {
            ModelType = "llama", VocabSize = tokenizer.VocabSize, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2,
            NumAttentionHeads = 4, NumKeyValueHeadsRaw = 2, MaxPositionEmbeddings = 128, RmsNormEps = 1e-5, TieWordEmbeddings = true,
            BosTokenId = tokenizer.BosId, PadTokenId = tokenizer.PadId,
        };
        using var model = DecoderModel.CreateRandom(config, seed);
        model.Save(dir);
        tokenizer.SaveTo(dir);
        return dir;
    }
}
