namespace LlmEmbed.Evaluation.LanguageModeling;

/// <summary>How well a causal LM predicts a set of texts: total nats over the predicted tokens, and the normalisations.</summary>
/// <param name="Texts">Texts scored.</param>
/// <param name="PredictedTokens">Tokens predicted (each text's tokens plus its closing EOS).</param>
/// <param name="Bytes">UTF-8 bytes of the texts (the denominator of bits per byte; separators are not counted).</param>
/// <param name="TotalNats">Summed negative log-likelihood in nats.</param>
public sealed record LanguageModelScore(int Texts, long PredictedTokens, long Bytes, double TotalNats)
{
    /// <summary>Mean nats per predicted token (depends on the tokenizer).</summary>
    public double NatsPerToken => TotalNats / PredictedTokens;

    /// <summary>exp(nats per token).</summary>
    public double Perplexity => Math.Exp(NatsPerToken);

    /// <summary>Total bits over total UTF-8 bytes: comparable across tokenizers.</summary>
    public double BitsPerByte => TotalNats / Math.Log(2) / Bytes;
}
