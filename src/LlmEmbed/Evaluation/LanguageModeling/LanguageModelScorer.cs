using System.Text;
using LlmEmbed.Models;
using LlmEmbed.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmEmbed.Evaluation.LanguageModeling;

/// <summary>
/// Bits per byte of a causal LM over a list of independent texts, with the convention of the pretraining corpus:
/// each text is one document, encoded without BOS and closed by EOS, and is preceded by the EOS that separates
/// documents in packed pretraining (so its first token is predicted from a document boundary, as in training).
/// Predicted: every token of the text and its closing EOS. Bytes: the UTF-8 bytes of the text alone.
/// With <c>predictFirstToken: false</c> the leading EOS is left out, so the first token is given rather than
/// predicted (a common, more lenient convention: it drops each text's hardest token from the numerator only).
/// </summary>
public static class LanguageModelScorer
{
    /// <summary>Scores <paramref name="texts"/> in batches of at most <paramref name="batchSize"/> texts of similar length.</summary>
    /// <param name="maxLength">Longest token sequence fed to the model (boundary EOS included); longer texts are an error,
    /// since truncating them would silently drop bytes from the numerator but not the denominator.</param>
    public static LanguageModelScore Score(DecoderModel model, TextTokenizer tokenizer, IReadOnlyList<string> texts, int maxLength, int batchSize = 32, bool predictFirstToken = true)
    {
        if (tokenizer.EosId is not { } eos) throw new ArgumentException("the tokenizer has no EOS token; bits per byte needs a document separator");
        if (texts.Count == 0) throw new ArgumentException("no texts to score");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        var sequences = new List<int[]>(texts.Count);
        long bytes = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            var ids = tokenizer.Encode(texts[i], addBos: false, addEos: false);
            int[] sequence = predictFirstToken ? [eos, .. ids, eos] : [.. ids, eos];
            if (sequence.Length > maxLength)
                throw new ArgumentException($"text {i + 1} has {ids.Count} tokens; with its EOS it exceeds the maximum length {maxLength}");
            if (sequence.Length < 2) throw new ArgumentException($"text {i + 1} is empty: nothing to predict");
            sequences.Add(sequence);
            bytes += Encoding.UTF8.GetByteCount(texts[i]);
        }
        if (bytes == 0) throw new ArgumentException("the texts hold no bytes");

        // Length-sorted batches: right padding with a mask; padded positions are excluded from the loss.
        var order = Enumerable.Range(0, sequences.Count).OrderBy(i => sequences[i].Length).ToArray();
        double nats = 0;
        long predicted = 0;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            for (int start = 0; start < order.Length; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = order.Skip(start).Take(batchSize).Select(i => sequences[i]).ToArray();
                int t = batch.Max(s => s.Length);
                var ids = new long[batch.Length * t];
                var mask = new long[batch.Length * t];
                for (int b = 0; b < batch.Length; b++)
                    for (int j = 0; j < batch[b].Length; j++) { ids[b * t + j] = batch[b][j]; mask[b * t + j] = 1; }
                var input = tensor(ids, [batch.Length, t]);
                var attention = tensor(mask, [batch.Length, t]);
                using var output = model.Forward(input, attention, AttentionMode.Causal, computeLogits: true);
                var logits = output.Logits!.narrow(1, 0, t - 1).to(ScalarType.Float32);
                var targets = input.narrow(1, 1, t - 1).masked_fill(attention.narrow(1, 1, t - 1).eq(0), -100);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1), ignore_index: -100, reduction: nn.Reduction.Sum);
                nats += loss.to(ScalarType.Float64).item<double>();
                predicted += targets.ne(-100).sum().item<long>();
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return new LanguageModelScore(texts.Count, predicted, bytes, nats);
    }
}
