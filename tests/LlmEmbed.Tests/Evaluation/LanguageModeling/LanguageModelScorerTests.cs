using System.Text;
using LlmEmbed.Evaluation.LanguageModeling;
using LlmEmbed.Models;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tokenization;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Evaluation.LanguageModeling;

public sealed class LanguageModelScorerTests
{
    /// <summary>A tiny random Llama with the real bpe-8k tokenizer, loaded in float32.</summary>
    private static (DecoderModel Model, TextTokenizer Tokenizer) LoadTinyModel(TempDir dir)
    {
        TinyBaseModel.Create(dir.Path);
        return (DecoderModel.Load(dir.Path, ScalarType.Float32), TextTokenizer.Load(dir.Path));
    }

    private static readonly string[] Texts = ["A man is playing a guitar.", "Stocks fell sharply on Monday after the report.", "ok", "Ünïcode café — naïve"];

    /// <summary>
    /// Batched, padded scoring equals the sum of log-probabilities computed one text at a time, position by position,
    /// from the model's own logits (EOS, text, EOS; every token after the first predicted), and bytes are UTF-8 bytes.
    /// </summary>
    [Fact]
    public void Batched_score_equals_token_by_token_log_likelihood()
    {
        using var dir = TestPaths.NewTempDir();
        var (model, tokenizer) = LoadTinyModel(dir);
        using var _ = model;
        int eos = tokenizer.EosId!.Value;

        double expectedNats = 0;
        long expectedTokens = 0;
        using (no_grad())
        {
            foreach (string text in Texts)
            {
                int[] seq = [eos, .. tokenizer.Encode(text, addBos: false, addEos: false), eos];
                using var output = model.Forward(tensor(seq.Select(i => (long)i).ToArray(), [1, seq.Length]), null, AttentionMode.Causal, computeLogits: true);
                var logProbs = output.Logits!.to(ScalarType.Float64).log_softmax(-1);
                for (int j = 1; j < seq.Length; j++)
                {
                    expectedNats -= logProbs[0, j - 1, seq[j]].item<double>();
                    expectedTokens++;
                }
            }
        }

        var score = LanguageModelScorer.Score(model, tokenizer, Texts, maxLength: 64, batchSize: 3);
        Assert.Equal(Texts.Length, score.Texts);
        Assert.Equal(expectedTokens, score.PredictedTokens);
        Assert.Equal(Texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t)), score.Bytes);
        Assert.Equal(expectedNats, score.TotalNats, 1e-3 * expectedNats / expectedTokens);
        Assert.Equal(expectedNats / Math.Log(2) / score.Bytes, score.BitsPerByte, 1e-5);
        // A random model over an 8k vocabulary is near uniform: about ln(8192) nats per token.
        Assert.InRange(score.NatsPerToken, Math.Log(8192) - 1, Math.Log(8192) + 1);
    }

    [Fact]
    public void Giving_the_first_token_removes_exactly_its_log_likelihood()
    {
        using var dir = TestPaths.NewTempDir();
        var (model, tokenizer) = LoadTinyModel(dir);
        using var _ = model;
        var strict = LanguageModelScorer.Score(model, tokenizer, Texts, maxLength: 64);
        var lenient = LanguageModelScorer.Score(model, tokenizer, Texts, maxLength: 64, predictFirstToken: false);
        Assert.Equal(strict.PredictedTokens - Texts.Length, lenient.PredictedTokens);
        Assert.Equal(strict.Bytes, lenient.Bytes);
        Assert.True(lenient.TotalNats < strict.TotalNats);
    }

    [Fact]
    public void A_text_longer_than_the_maximum_length_is_an_error_not_a_silent_truncation()
    {
        using var dir = TestPaths.NewTempDir();
        var (model, tokenizer) = LoadTinyModel(dir);
        using var _ = model;
        var e = Assert.Throws<ArgumentException>(() => LanguageModelScorer.Score(model, tokenizer, ["short", string.Join(' ', Enumerable.Repeat("word", 100))], maxLength: 32));
        Assert.Contains("text 2", e.Message);
    }
}
