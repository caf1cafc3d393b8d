namespace LlmEmbed.Tokenization;

/// <summary>
/// The BPE merge loop shared by the SentencePiece-style tokenizer.json model and llama2.c's encoder: repeatedly
/// merge the adjacent pair with the best (lowest) priority, the leftmost one on ties, until no pair can merge.
/// A heap with lazy invalidation makes this O(n log n), so long texts without pre-tokenisation stay fast, while
/// choosing exactly what the quadratic "scan everything, take the best" loops of HF and run.c choose.
/// </summary>
internal static class PairMerger
{
    /// <summary>What merging two symbols gives: the merged id and its priority (lower merges first), or null.</summary>
    public delegate (double Priority, int Id)? PairLookup(int left, int right);

    public static List<int> Merge(List<int> symbols, PairLookup lookup)
    {
        int n = symbols.Count;
        if (n < 2) return symbols;
        var ids = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; alive[i] = true; }
        // Entry: (left position, right position, the two ids it was computed for, merged id); priority = (priority, left position).
        var heap = new PriorityQueue<(int Left, int Right, int LeftId, int RightId, int Merged), (double, int)>();
        void Push(int left)
        {
            int right = next[left];
            if (right < 0) return;
            if (lookup(ids[left], ids[right]) is { } m) heap.Enqueue((left, right, ids[left], ids[right], m.Id), (m.Priority, left));
        }
        for (int i = 0; i + 1 < n; i++) Push(i);
        while (heap.TryDequeue(out var e, out _))
        {
            // Stale entries: a side was merged away or changed since the entry was queued.
            if (!alive[e.Left] || !alive[e.Right] || next[e.Left] != e.Right || ids[e.Left] != e.LeftId || ids[e.Right] != e.RightId) continue;
            ids[e.Left] = e.Merged;
            alive[e.Right] = false;
            next[e.Left] = next[e.Right];
            if (next[e.Right] >= 0) prev[next[e.Right]] = e.Left;
            if (prev[e.Left] >= 0) Push(prev[e.Left]);
            Push(e.Left);
        }
        var result = new List<int>();
        for (int i = 0; i >= 0; i = next[i]) result.Add(ids[i]);
        return result;
    }
}
