namespace LlmEmbed.Embedding;

/// <summary>How texts become token ids for embedding (BOS as the tokenizer adds it, optional instruction prefix, text, EOS).</summary>
public static class EmbeddingTokenization
{
    /// <summary>
    /// The instruction prefix and the text are tokenised separately and concatenated, so the instruction span is exact
    /// (tokenising the joined string could merge tokens across the boundary). Truncation keeps the final EOS.
    /// </summary>
    public static TokenizedText Tokenize(IEmbeddingTokenizer tokenizer, InstructionOptions instructions, string text, string? instruction, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "max length must be at least 2");
        int eos = tokenizer.EosId ?? throw new InvalidDataException("the tokenizer has no EOS token, which embedding needs (the EOS state is pooled)");
        var ids = new List<int>();
        int instructionLength = 0;
        if (!string.IsNullOrEmpty(instruction))
        {
            ids.AddRange(tokenizer.Encode(instructions.Prefix(instruction), addSpecialTokens: true));
            if (ids.Count > 0 && ids[^1] == eos) ids.RemoveAt(ids.Count - 1); // a tokenizer that appends EOS must not end the prefix with it
            instructionLength = ids.Count;
            ids.AddRange(tokenizer.Encode(text, addSpecialTokens: false));
        }
        else
        {
            ids.AddRange(tokenizer.Encode(text, addSpecialTokens: true));
        }
        if (ids.Count > 0 && ids[^1] == eos) ids.RemoveAt(ids.Count - 1); // a tokenizer that appends EOS itself
        if (ids.Count > maxLength - 1) ids.RemoveRange(maxLength - 1, ids.Count - (maxLength - 1));
        ids.Add(eos);
        return new TokenizedText(ids, Math.Min(instructionLength, ids.Count - 1));
    }
}
