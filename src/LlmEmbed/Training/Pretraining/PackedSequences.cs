namespace LlmEmbed.Training.Pretraining;

/// <summary>
/// Cuts a token stream into consecutive, non-overlapping sequences of a fixed length (documents are already
/// separated by EOS in the stream). Every token lands in exactly one sequence; the last one may be shorter and
/// is padded by the batcher. Sequence order is shuffled per epoch from the seed, so the data position is just
/// a sequence counter and resuming needs nothing else.
/// </summary>
public sealed class PackedSequences
{
    private readonly TokenFile tokens;

    public PackedSequences(TokenFile tokens, int sequenceLength)
    {
        if (sequenceLength < 2) throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength, "sequence length must be at least 2");
        if (tokens.Count == 0) throw new InvalidDataException($"{tokens.Path}: no tokens to train on");
        this.tokens = tokens;
        SequenceLength = sequenceLength;
        Count = (tokens.Count + sequenceLength - 1) / sequenceLength;
    }

    public int SequenceLength { get; }
    public long Count { get; }

    /// <summary>The tokens of sequence <paramref name="index"/> (length ≤ SequenceLength) written into <paramref name="destination"/>; returns the length.</summary>
    public int Read(long index, Span<long> destination)
    {
        long start = index * SequenceLength;
        int length = (int)Math.Min(SequenceLength, tokens.Count - start);
        tokens.Read(start, destination[..length]);
        return length;
    }

    /// <summary>The sequence index at global position <paramref name="position"/> (epochs follow each other, each its own shuffle).</summary>
    public long IndexAt(long position, long seed)
    {
        long epoch = position / Count;
        long offset = position % Count;
        return Permutation(seed, epoch)[offset];
    }

    private long cachedEpoch = -1;
    private long[] cachedPermutation = [];

    private long[] Permutation(long seed, long epoch)
    {
        if (epoch == cachedEpoch) return cachedPermutation;
        var perm = new long[Count];
        for (long i = 0; i < Count; i++) perm[i] = i;
        // HashCode.Combine is randomised per process; mix the seed and epoch explicitly so the order is stable across runs.
        new Random(unchecked((int)(seed * 1_000_003 + epoch * 7919))).Shuffle(perm);
        cachedEpoch = epoch;
        cachedPermutation = perm;
        return perm;
    }
}
