namespace LlmEmbed.Evaluation.Evaluators;

/// <summary>Deterministic seeded sampling helpers (System.Random; not NumPy-compatible).</summary>
public static class Sampling
{
    /// <summary>In-place Fisher–Yates shuffle.</summary>
    public static void Shuffle<T>(T[] items, Random random)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary><paramref name="count"/> distinct indices of 0..n-1 chosen at random, sorted ascending.</summary>
    public static int[] SubsetIndices(int n, int count, int seed)
    {
        var indices = Enumerable.Range(0, n).ToArray();
        Shuffle(indices, new Random(seed));
        return indices.Take(Math.Min(count, n)).Order().ToArray();
    }

    /// <summary>
    /// MTEB's undersampling: in the (already shuffled) index order, the first <paramref name="perLabel"/> indices of each label.
    /// </summary>
    public static int[] UndersamplePerLabel(IReadOnlyList<int> shuffledIndices, IReadOnlyList<int> labels, int perLabel)
    {
        var taken = new Dictionary<int, int>();
        var selected = new List<int>();
        foreach (int i in shuffledIndices)
        {
            int count = taken.GetValueOrDefault(labels[i]);
            if (count >= perLabel) continue;
            taken[labels[i]] = count + 1;
            selected.Add(i);
        }
        return selected.ToArray();
    }
}
