using System.Text.Json.Serialization;

namespace LlmEmbed.Models;

/// <summary>The <c>rope_scaling</c> block of a Hugging Face config (only <c>llama3</c> changes the frequencies here).</summary>
public sealed record RopeScaling
{
    [JsonPropertyName("rope_type")] public string? RopeType { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("factor")] public double Factor { get; init; } = 1.0;
    [JsonPropertyName("low_freq_factor")] public double LowFreqFactor { get; init; } = 1.0;
    [JsonPropertyName("high_freq_factor")] public double HighFreqFactor { get; init; } = 4.0;
    [JsonPropertyName("original_max_position_embeddings")] public int OriginalMaxPositionEmbeddings { get; init; } = 8192;

    /// <summary>The scaling kind, whichever of the two keys the config used.</summary>
    [JsonIgnore] public string Kind => RopeType ?? Type ?? "default";
}
