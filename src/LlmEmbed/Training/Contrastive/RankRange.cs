using System.Globalization;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// 1-based ranks <see cref="From"/>..<see cref="To"/> (inclusive) of a search result list, written <c>10:50</c>.
/// Skipping the top ranks avoids false negatives (unlabelled relevant documents rank near the top).
/// </summary>
public readonly record struct RankRange(int From, int To)
{
    public static RankRange Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int from)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int to))
            throw new FormatException($"rank range '{text}': expected FROM:TO with whole numbers, e.g. 10:50");
        var range = new RankRange(from, to);
        range.Validate();
        return range;
    }

    public void Validate()
    {
        if (From < 1 || To < From) throw new ArgumentOutOfRangeException(nameof(From), $"rank range {this}: need 1 <= from <= to");
    }

    public override string ToString() => $"{From}:{To}";
}
