using System.Text.Json.Serialization;

namespace LlmEmbed.Models;

/// <summary>
/// The <c>rope_scaling</c> block of a Hugging Face config (only <c>llama3</c> changes the frequencies here), or
/// transformers 5's <c>rope_parameters</c>, which is the same block plus <c>rope_theta</c>.
/// </summary>
public sealed record RopeScaling
{
    [JsonPropertyName("rope_type")] public string? RopeType { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("factor")] public double Factor { get; init; } = 1.0;
    [JsonPropertyName("low_freq_factor")] public double LowFreqFactor { get; init; } = 1.0;
    [JsonPropertyName("high_freq_factor")] public double HighFreqFactor { get; init; } = 4.0;
    [JsonPropertyName("original_max_position_embeddings")] public int OriginalMaxPositionEmbeddings { get; init; } = 8192;

    /// <summary>Only in <c>rope_parameters</c>: the RoPE base (then the top-level <c>rope_theta</c> is absent or stale).</summary>
    [JsonPropertyName("rope_theta")] public double? RopeTheta { get; init; }

    /// <summary>The scaling kind, whichever of the two keys the config used.</summary>
    [JsonIgnore] public string Kind => RopeType ?? Type ?? "default";
}
