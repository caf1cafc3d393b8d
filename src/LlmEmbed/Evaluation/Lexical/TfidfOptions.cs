namespace LlmEmbed.Evaluation.Lexical;

/// <summary>
/// Settings of <see cref="TfidfVectorizer"/>, with scikit-learn's <c>TfidfVectorizer</c> semantics: lowercase,
/// smooth idf (<c>ln((1 + n) / (1 + df)) + 1</c>), L2-normalised rows; <see cref="SublinearTf"/> replaces a count c by <c>1 + ln c</c>.
/// </summary>
public sealed record TfidfOptions(TfidfAnalyzer Analyzer = TfidfAnalyzer.Word, int MinN = 1, int MaxN = 1, bool SublinearTf = true)
{
    /// <summary>Word unigrams, sublinear tf (the TF-IDF floor).</summary>
    public static TfidfOptions Words { get; } = new();

    /// <summary>Character 2–4-grams inside word boundaries (scikit-learn <c>analyzer='char_wb'</c>), sublinear tf.</summary>
    public static TfidfOptions CharacterNgrams { get; } = new(TfidfAnalyzer.CharWordBounded, 2, 4);
}
