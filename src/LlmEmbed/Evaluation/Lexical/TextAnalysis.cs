using System.Text;
using System.Text.RegularExpressions;

namespace LlmEmbed.Evaluation.Lexical;

/// <summary>
/// scikit-learn's text analyzers (<c>CountVectorizer._word_ngrams</c>, <c>_char_ngrams</c>, <c>_char_wb_ngrams</c>,
/// sklearn 1.2): lowercasing, the default token pattern, and character n-grams counted in Unicode code points as Python does.
/// </summary>
public static partial class TextAnalysis
{
    [GeneratedRegex(@"\b\w\w+\b")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordCharacters();

    [GeneratedRegex(@"\s\s+")]
    private static partial Regex WhiteSpaceRuns();

    /// <summary>The terms of <paramref name="text"/> (lowercased first), in order, with repeats.</summary>
    public static List<string> Terms(string text, TfidfAnalyzer analyzer, int minN, int maxN)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (minN < 1 || maxN < minN) throw new ArgumentException($"n-gram range ({minN}, {maxN}) is invalid");
        string lower = text.ToLowerInvariant();
        return analyzer switch
        {
            TfidfAnalyzer.Word => WordNgrams(Tokens(lower), minN, maxN),
            TfidfAnalyzer.Char => CharNgrams(WhiteSpaceRuns().Replace(lower, " "), minN, maxN),
            TfidfAnalyzer.CharWordBounded => CharWordBoundedNgrams(WhiteSpaceRuns().Replace(lower, " "), minN, maxN),
            _ => throw new ArgumentOutOfRangeException(nameof(analyzer), analyzer, null),
        };
    }

    /// <summary>Tokens of the default pattern <c>(?u)\b\w\w+\b</c> (no lowercasing here).</summary>
    public static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        foreach (Match m in TokenPattern().Matches(text)) tokens.Add(m.Value);
        return tokens;
    }

    /// <summary>Maximal runs of word characters (<c>\w+</c>, one-character tokens included): BM25's terms.</summary>
    public static List<string> WordCharacterRuns(string text)
    {
        var tokens = new List<string>();
        foreach (Match m in WordCharacters().Matches(text)) tokens.Add(m.Value);
        return tokens;
    }

    private static List<string> WordNgrams(List<string> tokens, int minN, int maxN)
    {
        if (minN == 1 && maxN == 1) return tokens;
        var terms = new List<string>();
        for (int n = minN; n <= maxN; n++)
            for (int i = 0; i + n <= tokens.Count; i++)
                terms.Add(n == 1 ? tokens[i] : string.Join(' ', tokens.Skip(i).Take(n)));
        return terms;
    }

    private static List<string> CharNgrams(string text, int minN, int maxN)
    {
        var points = new CodePoints(text);
        var terms = new List<string>();
        for (int n = minN; n <= Math.Min(maxN, points.Length); n++)
            for (int i = 0; i + n <= points.Length; i++)
                terms.Add(points.Slice(i, n));
        return terms;
    }

    // sklearn's _char_wb_ngrams: per whitespace-separated word " w ", every n-gram; a word shorter than n gives
    // itself once and stops the larger n.
    private static List<string> CharWordBoundedNgrams(string text, int minN, int maxN)
    {
        var terms = new List<string>();
        foreach (string word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var points = new CodePoints(" " + word + " ");
            for (int n = minN; n <= maxN; n++)
            {
                int offset = 0;
                terms.Add(points.Slice(offset, Math.Min(n, points.Length - offset)));
                while (offset + n < points.Length)
                {
                    offset++;
                    terms.Add(points.Slice(offset, Math.Min(n, points.Length - offset)));
                }
                if (offset == 0) break;
            }
        }
        return terms;
    }

    // Python slices strings by code point; .NET strings are UTF-16, so n-grams are cut at code-point offsets.
    private readonly struct CodePoints
    {
        private readonly string _text;
        private readonly int[]? _starts; // null when the text has no surrogate pairs

        public CodePoints(string text)
        {
            _text = text;
            if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
            {
                _starts = null;
                Length = text.Length;
                return;
            }
            var starts = new List<int>();
            int index = 0;
            foreach (Rune rune in text.EnumerateRunes())
            {
                starts.Add(index);
                index += rune.Utf16SequenceLength;
            }
            starts.Add(index);
            _starts = starts.ToArray();
            Length = _starts.Length - 1;
        }

        public int Length { get; }

        public string Slice(int start, int count) => _starts is null
            ? _text.Substring(start, count)
            : _text[_starts[start].._starts[start + count]];
    }
}
