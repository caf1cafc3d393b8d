namespace LlmEmbed.Search;

/// <summary>How <see cref="ExactSearch"/> scores a query row against a corpus row.</summary>
public enum SearchSimilarity
{
    /// <summary>Inner product of the rows as given (equal to cosine when the rows are L2-normalised).</summary>
    Dot,

    /// <summary>Inner product of the L2-normalised rows; a zero row scores 0 against everything.</summary>
    Cosine,
}
