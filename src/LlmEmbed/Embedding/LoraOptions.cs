using System.Text.Json.Serialization;
using YamlDotNet.Serialization;

namespace LlmEmbed.Embedding;

/// <summary>LoRA settings. Targets are the short names q, k, v, o, gate, up, down (or the HF names q_proj, …).</summary>
/// <remarks>
/// Read from an embedding model's JSON config (<c>lora</c>: enabled, r, alpha, dropout, targets, seed) and from a
/// training config's YAML (<c>model.lora</c>, the same keys; the seed there is the run's <c>seed</c>).
/// </remarks>
public sealed record LoraOptions
{
    public static readonly IReadOnlyList<string> AllTargets = ["q", "k", "v", "o", "gate", "up", "down"];

    [JsonPropertyName("enabled")] public bool Enabled { get; init; } = true;
    [JsonPropertyName("r"), YamlMember(Alias = "r")] public int Rank { get; init; } = 16;
    [JsonPropertyName("alpha")] public double Alpha { get; init; } = 32;
    [JsonPropertyName("dropout")] public double Dropout { get; init; } = 0.1; // the study: r16, alpha 32, dropout 0.1 on all seven projections
    [JsonPropertyName("targets"), YamlMember(Alias = "targets")] public IReadOnlyList<string> Targets { get; init; } = AllTargets;

    /// <summary>Seed of the A-matrix initialisation; in a training config it is the run's <c>seed</c>, not a LoRA key.</summary>
    [JsonPropertyName("seed"), YamlIgnore] public long Seed { get; init; }

    // Records compare lists by reference; two configs with the same targets are the same config.
    public bool Equals(LoraOptions? other) =>
        other is not null && Enabled == other.Enabled && Rank == other.Rank && Alpha == other.Alpha && Dropout == other.Dropout
        && Seed == other.Seed && Targets.SequenceEqual(other.Targets);

    public override int GetHashCode() => HashCode.Combine(Enabled, Rank, Alpha, Dropout, Seed, string.Join(",", Targets));

    /// <summary>The HF module names (<c>q_proj</c>, …, <c>down_proj</c>) of the targets; unknown names are an error.</summary>
    public IReadOnlyList<string> TargetModules()
    {
        var result = new List<string>();
        foreach (var raw in Targets)
        {
            string t = raw.Trim().ToLowerInvariant();
            if (t.EndsWith("_proj")) t = t[..^5];
            if (!AllTargets.Contains(t)) throw new ArgumentException($"unknown LoRA target '{raw}' (known: {string.Join(", ", AllTargets)})");
            string module = t + "_proj";
            if (!result.Contains(module)) result.Add(module);
        }
        if (result.Count == 0) throw new ArgumentException("LoRA needs at least one target module");
        return result;
    }
}
