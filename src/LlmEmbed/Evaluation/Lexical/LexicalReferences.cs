using LlmEmbed.Evaluation.Tasks;

namespace LlmEmbed.Evaluation.Lexical;

/// <summary>Names (as in experiment files and reports) and applicability of <see cref="LexicalReference"/>.</summary>
public static class LexicalReferences
{
    public const string TfidfWordName = "tfidf-word", TfidfCharName = "tfidf-char", Bm25Name = "bm25";

    public static IReadOnlyList<LexicalReference> All { get; } = [LexicalReference.TfidfWord, LexicalReference.TfidfChar, LexicalReference.Bm25];

    public static string Name(LexicalReference reference) => reference switch
    {
        LexicalReference.TfidfWord => TfidfWordName,
        LexicalReference.TfidfChar => TfidfCharName,
        LexicalReference.Bm25 => Bm25Name,
        _ => throw new ArgumentOutOfRangeException(nameof(reference), reference, null),
    };

    public static bool TryParse(string? name, out LexicalReference reference)
    {
        switch (name)
        {
            case TfidfWordName: reference = LexicalReference.TfidfWord; return true;
            case TfidfCharName: reference = LexicalReference.TfidfChar; return true;
            case Bm25Name: reference = LexicalReference.Bm25; return true;
            default: reference = default; return false;
        }
    }

    public static LexicalReference Parse(string name) => TryParse(name, out var reference)
        ? reference
        : throw new ArgumentException($"unknown lexical reference '{name}' (expected {TfidfWordName}, {TfidfCharName} or {Bm25Name})", nameof(name));

    /// <summary>Whether <paramref name="name"/> is a reference arm's name (reserved: no design may use it).</summary>
    public static bool IsReferenceName(string? name) => TryParse(name, out _);

    /// <summary>TF-IDF applies to every task type; BM25 scores query–document pairs, so only retrieval and reranking.</summary>
    public static bool AppliesTo(LexicalReference reference, TaskType type) =>
        reference != LexicalReference.Bm25 || type is TaskType.Retrieval or TaskType.Reranking;

    /// <summary>One-line description for reports.</summary>
    public static string Describe(LexicalReference reference) => reference switch
    {
        LexicalReference.TfidfWord => "TF-IDF cosine, word unigrams (scikit-learn TfidfVectorizer defaults, sublinear tf), fitted on the task's texts",
        LexicalReference.TfidfChar => "TF-IDF cosine, character 2–4-grams within word boundaries (char_wb, sublinear tf), fitted on the task's texts",
        LexicalReference.Bm25 => "BM25 (k1 0.9, b 0.4) over lowercased word tokens",
        _ => throw new ArgumentOutOfRangeException(nameof(reference), reference, null),
    };
}
