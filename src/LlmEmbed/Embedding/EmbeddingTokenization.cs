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
            ids.AddRange(EncodePrefix(tokenizer, text, addSpecialTokens: false, Math.Max(0, maxLength - ids.Count)));
        }
        else
        {
            ids.AddRange(EncodePrefix(tokenizer, text, addSpecialTokens: true, maxLength));
        }
        if (ids.Count > 0 && ids[^1] == eos) ids.RemoveAt(ids.Count - 1); // a tokenizer that appends EOS itself
        if (ids.Count > maxLength - 1) ids.RemoveRange(maxLength - 1, ids.Count - (maxLength - 1));
        ids.Add(eos);
        ids.TrimExcess(); // the list held the whole prefix's tokens; only max_length of them are kept for the batch
        return new TokenizedText(ids, Math.Min(instructionLength, ids.Count - 1));
    }

    /// <summary>Tokens beyond the ones kept that must agree with the full text's tokenisation before a prefix is trusted.</summary>
    internal const int PrefixMarginTokens = 16;

    /// <summary>
    /// The tokens of <paramref name="text"/> as far as the first <paramref name="needed"/> go. Only a prefix is
    /// tokenised, cut at whitespace, doubling until it yields <paramref name="needed"/> + <see cref="PrefixMarginTokens"/>
    /// tokens (or is the whole text), so the work and memory per text stay bounded by max_length rather than growing
    /// with the input: a 4,000-character document embedded at max_length 64 tokenises a few hundred characters. Tokens
    /// near the cut may differ from the full text's; the margin keeps them out of the kept ones.
    /// </summary>
    internal static IReadOnlyList<int> EncodePrefix(IEmbeddingTokenizer tokenizer, string text, bool addSpecialTokens, int needed)
    {
        // In long: a caller asking for "everything" passes int.MaxValue, and (needed + margin) * 8 must not wrap.
        long wanted = (long)needed + PrefixMarginTokens;
        long budget = Math.Max(256L, wanted * 8);
        while (budget < text.Length)
        {
            int at = (int)budget;
            int cut = text.LastIndexOfAny(Whitespace, at);
            if (cut < at / 2) cut = char.IsLowSurrogate(text[at]) ? at - 1 : at; // no space nearby (e.g. CJK)
            var ids = tokenizer.Encode(text[..cut], addSpecialTokens);
            if (ids.Count >= wanted) return ids;
            budget *= 2;
        }
        return tokenizer.Encode(text, addSpecialTokens);
    }

    private static readonly char[] Whitespace = [' ', '\n', '\t', '\r'];
}
