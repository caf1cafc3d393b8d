namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// Several training files mixed by weight into an endless, seeded stream of rows. The stream is a pure function of
/// (seed, position): position p lies in mixture epoch p / E (E = rows per epoch), whose order is a seeded
/// shuffle of each file's quota (round(weight × rows), taken from that file's own seeded permutation). So a
/// resumed run reads exactly the rows an uninterrupted run would, given only the number of rows consumed.
/// </summary>
public sealed class ContrastiveDataMixture
{
    private readonly IReadOnlyList<IReadOnlyList<ContrastiveExample>> files;
    private readonly double[] weights;
    private readonly long seed;
    private long cachedEpoch = -1;
    private (int File, int Row)[] cachedOrder = [];

    public ContrastiveDataMixture(IReadOnlyList<IReadOnlyList<ContrastiveExample>> files, IReadOnlyList<double> weights, long seed)
    {
        if (files.Count == 0) throw new ArgumentException("no training files", nameof(files));
        if (files.Count != weights.Count) throw new ArgumentException("one weight per file is needed", nameof(weights));
        this.files = files;
        this.weights = [.. weights];
        this.seed = seed;
        Quotas = files.Select((f, i) => f.Count == 0 ? 0 : (int)Math.Max(1, Math.Round(this.weights[i] * f.Count))).ToArray();
        RowsPerEpoch = Quotas.Sum(q => (long)q);
        if (RowsPerEpoch == 0) throw new ArgumentException("the training files hold no valid rows", nameof(files));
    }

    /// <summary>Rows drawn from each file per epoch.</summary>
    public IReadOnlyList<int> Quotas { get; }
    public long RowsPerEpoch { get; }

    public ContrastiveExample At(long position)
    {
        if (position < 0) throw new ArgumentOutOfRangeException(nameof(position));
        long epoch = position / RowsPerEpoch;
        if (epoch != cachedEpoch)
        {
            cachedOrder = EpochOrder(epoch);
            cachedEpoch = epoch;
        }
        var (file, row) = cachedOrder[position % RowsPerEpoch];
        return files[file][row];
    }

    public IReadOnlyList<ContrastiveExample> Batch(long position, int count)
    {
        var batch = new ContrastiveExample[count];
        for (int i = 0; i < count; i++) batch[i] = At(position + i);
        return batch;
    }

    private (int File, int Row)[] EpochOrder(long epoch)
    {
        var order = new List<(int, int)>((int)RowsPerEpoch);
        for (int f = 0; f < files.Count; f++)
        {
            int n = files[f].Count;
            if (n == 0) continue;
            // A file drawn more than once per epoch walks through consecutive permutations of its rows.
            int quota = Quotas[f];
            long firstDraw = epoch * quota;
            for (int k = 0; k < quota; k++)
            {
                long draw = firstDraw + k;
                long cycle = draw / n;
                var perm = Permutation(n, Mix(seed, f + 1, cycle));
                order.Add((f, perm[(int)(draw % n)]));
            }
        }
        var result = order.ToArray();
        new Random(unchecked((int)Mix(seed, 0, epoch))).Shuffle(result);
        return result;
    }

    private readonly Dictionary<(int N, long Seed), int[]> permutations = [];

    private int[] Permutation(int n, long key)
    {
        if (permutations.TryGetValue((n, key), out var p)) return p;
        if (permutations.Count > 64) permutations.Clear();
        p = Enumerable.Range(0, n).ToArray();
        new Random(unchecked((int)key)).Shuffle(p);
        permutations[(n, key)] = p;
        return p;
    }

    // SplitMix64-style mixing so (seed, file, epoch) triples give unrelated streams.
    internal static long Mix(long a, long b, long c)
    {
        ulong x = unchecked((ulong)a * 0x9E3779B97F4A7C15UL ^ (ulong)b * 0xBF58476D1CE4E5B9UL ^ (ulong)c * 0x94D049BB133111EBUL);
        x ^= x >> 30; x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27; x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return unchecked((long)x);
    }
}
