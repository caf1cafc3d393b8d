namespace LlmEmbed.Embedding;

/// <summary>
/// Which output sizes a model may be asked for. A vector's prefix is only a good embedding when the model was trained
/// for it (Matryoshka representation learning), so — as vLLM does — a <c>dimensions</c> request is honoured only for the
/// sizes in <see cref="EmbeddingModelConfig.MatryoshkaDims"/> (and the full size), and refused otherwise.
/// </summary>
public static class MatryoshkaDimensions
{
    /// <summary>Checks a configured list: non-empty, positive, strictly ascending.</summary>
    public static void Validate(IReadOnlyList<int> dims)
    {
        if (dims.Count == 0) throw new ArgumentException("matryoshka_dims must not be empty (leave it out to train without Matryoshka)");
        for (int i = 0; i < dims.Count; i++)
        {
            if (dims[i] <= 0) throw new ArgumentException($"matryoshka_dims[{i}] must be positive, got {dims[i]}");
            if (i > 0 && dims[i] <= dims[i - 1]) throw new ArgumentException($"matryoshka_dims must be strictly ascending, got [{string.Join(", ", dims)}]");
        }
    }

    /// <summary>
    /// Null when <paramref name="requested"/> may be served by a model of output size <paramref name="fullDimension"/>
    /// trained with <paramref name="trained"/>, else the reason it may not (a message for the caller).
    /// </summary>
    public static string? Refusal(int requested, int fullDimension, IReadOnlyList<int>? trained)
    {
        if (requested <= 0) return $"dimensions must be positive, got {requested}";
        if (requested > fullDimension) return $"dimensions {requested} exceeds the model's embedding size {fullDimension}";
        if (requested == fullDimension) return null;
        if (trained is null)
            return $"this model was not trained with Matryoshka representation learning, so its vectors cannot be shortened; dimensions must be {fullDimension} or left out";
        if (!trained.Contains(requested))
            return $"dimensions {requested} is not one the model was trained for (Matryoshka dims [{string.Join(", ", trained)}] or the full {fullDimension})";
        return null;
    }
}
