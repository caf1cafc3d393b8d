namespace LlmEmbed.Evaluation.Lexical;

/// <summary>
/// The non-trainable lexical reference arms — the floor every learned design should beat: TF-IDF over words,
/// TF-IDF over character 2–4-grams, and BM25 (retrieval and reranking only).
/// </summary>
public enum LexicalReference
{
    TfidfWord,
    TfidfChar,
    Bm25,
}
