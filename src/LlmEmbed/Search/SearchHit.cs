namespace LlmEmbed.Search;

/// <summary>One search result: the corpus row index and its similarity to the query.</summary>
public readonly record struct SearchHit(int Index, double Score);
