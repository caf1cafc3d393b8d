using System.Globalization;
using System.Text;

namespace LlmEmbed.Tokenization;

/// <summary>
/// Unicode NFC and NFD (UAX #15) from generated tables. The project runs with InvariantGlobalization, under which
/// <see cref="string.Normalize()"/> leaves non-ASCII text unchanged, which would silently break tokenizers with an NFC
/// normaliser (Qwen2); this implementation gives the same result on every machine, independent of ICU.
/// </summary>
public static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;
    private const int NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<(Dictionary<int, int[]> Decomp, Dictionary<int, int> Ccc, Dictionary<long, int> Comp)> Tables = new(() =>
    {
        var decomp = new Dictionary<int, int[]>();
        foreach (var entry in UnicodeNormalizationData.Decompositions.Split(';'))
        {
            var v = Parse(entry);
            decomp[v[0]] = v[1..];
        }
        var ccc = new Dictionary<int, int>();
        foreach (var entry in UnicodeNormalizationData.CombiningClasses.Split(';'))
        {
            var v = Parse(entry);
            ccc[v[0]] = v[1];
        }
        var comp = new Dictionary<long, int>();
        foreach (var entry in UnicodeNormalizationData.Compositions.Split(';'))
        {
            var v = Parse(entry);
            comp[Key(v[0], v[1])] = v[2];
        }
        return (decomp, ccc, comp);
    });

    private static int[] Parse(string entry) => entry.Split(' ').Select(h => int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();

    private static long Key(int a, int b) => ((long)a << 21) | (uint)b;

    /// <summary>The Unicode version of the tables.</summary>
    public static string UnicodeVersion => UnicodeNormalizationData.UnicodeVersion;

    public static string Normalize(string text, NormalizationForm form)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (form is not (NormalizationForm.FormC or NormalizationForm.FormD))
            throw new NotSupportedException($"Unicode normalization form {form} is not supported (only NFC and NFD)");
        // Nothing below U+00C0 decomposes or combines.
        bool simple = true;
        foreach (char c in text) if (c >= 0xC0) { simple = false; break; }
        if (simple) return text;
        var cps = Decompose(text);
        if (form == NormalizationForm.FormC) Compose(cps);
        var sb = new StringBuilder(text.Length);
        foreach (int cp in cps) sb.Append(char.ConvertFromUtf32(cp));
        return sb.ToString();
    }

    private static int Ccc(int cp) => Tables.Value.Ccc.TryGetValue(cp, out int c) ? c : 0;

    /// <summary>Full canonical decomposition, then the canonical ordering of combining marks.</summary>
    private static List<int> Decompose(string text)
    {
        var (decomp, _, _) = Tables.Value;
        var cps = new List<int>(text.Length + 8);
        for (int i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) cp = char.ConvertToUtf32(text[i], text[++i]);
            int s = cp - SBase;
            if (s >= 0 && s < SCount)
            {
                cps.Add(LBase + s / NCount);
                cps.Add(VBase + s % NCount / TCount);
                if (s % TCount != 0) cps.Add(TBase + s % TCount);
            }
            else if (decomp.TryGetValue(cp, out var d)) cps.AddRange(d);
            else cps.Add(cp);
        }
        // Stable insertion sort of each run of non-starters by combining class.
        for (int i = 1; i < cps.Count; i++)
        {
            int c = Ccc(cps[i]);
            if (c == 0) continue;
            int j = i;
            while (j > 0 && Ccc(cps[j - 1]) > c) { (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]); j--; }
        }
        return cps;
    }

    /// <summary>Canonical composition in place (UAX #15 section 1.3 / D117), including Hangul.</summary>
    private static void Compose(List<int> cps)
    {
        var comp = Tables.Value.Comp;
        int starter = -1, lastCcc = 0, write = 0;
        for (int read = 0; read < cps.Count; read++)
        {
            int cp = cps[read], c = Ccc(cp);
            if (starter >= 0 && (lastCcc < c || (lastCcc == 0 && write - 1 == starter)))
            {
                int first = cps[starter];
                int l = first - LBase, v = cp - VBase, s = first - SBase, t = cp - TBase;
                int? composed = null;
                if (l >= 0 && l < LCount && v >= 0 && v < VCount) composed = SBase + (l * VCount + v) * TCount;
                else if (s >= 0 && s < SCount && s % TCount == 0 && t > 0 && t < TCount) composed = first + t;
                else if (comp.TryGetValue(Key(first, cp), out int m)) composed = m;
                if (composed is { } x)
                {
                    cps[starter] = x;
                    continue;
                }
            }
            if (c == 0) { starter = write; lastCcc = 0; }
            else lastCcc = c;
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }
}
