namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// Orders doc ids as trec_eval's <c>strcmp</c> does on UTF-8 bytes, i.e. by Unicode code point.
/// </summary>
/// <remarks>
/// <see cref="string.CompareOrdinal(string, string)"/> compares UTF-16 code units, which disagrees with
/// byte order when a surrogate pair (U+10000 and above) meets a character in U+E000..U+FFFF; the remap
/// below moves surrogates above that range so the comparison follows code points.
/// </remarks>
internal sealed class TrecDocIdComparer : IComparer<string>
{
    public static readonly TrecDocIdComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int n = Math.Min(x.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            char a = x[i], b = y[i];
            if (a == b) continue;
            return CodePointOrderKey(a).CompareTo(CodePointOrderKey(b));
        }
        return x.Length.CompareTo(y.Length);
    }

    private static int CodePointOrderKey(char c) =>
        c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
}
