namespace LlmEmbed.Evaluation.Lexical;

/// <summary>Dot products of a sparse query against every row of a sparse collection, through posting lists.</summary>
internal sealed class InvertedIndex
{
    private readonly Dictionary<int, List<(int Row, double Value)>> _postings = [];
    private readonly int _rows;

    public InvertedIndex(IReadOnlyList<SparseVector> rows)
    {
        _rows = rows.Count;
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            for (int k = 0; k < row.Indices.Length; k++)
            {
                if (!_postings.TryGetValue(row.Indices[k], out var list)) _postings[row.Indices[k]] = list = [];
                list.Add((r, row.Values[k]));
            }
        }
    }

    public double[] Dot(SparseVector query)
    {
        var scores = new double[_rows];
        for (int k = 0; k < query.Indices.Length; k++)
        {
            if (!_postings.TryGetValue(query.Indices[k], out var list)) continue;
            double q = query.Values[k];
            foreach (var (row, value) in list) scores[row] += q * value;
        }
        return scores;
    }
}
