namespace LlmEmbed.Evaluation.Lexical;

/// <summary>How a text becomes terms (scikit-learn's <c>analyzer</c>).</summary>
public enum TfidfAnalyzer
{
    /// <summary>Tokens of the pattern <c>(?u)\b\w\w+\b</c> (two or more word characters), as n-grams of tokens.</summary>
    Word,
    /// <summary>Character n-grams inside word boundaries: each whitespace-separated word padded with one space.</summary>
    CharWordBounded,
    /// <summary>Character n-grams over the whole text (runs of whitespace collapsed to one space).</summary>
    Char,
}
