namespace LlmEmbed.Server;

/// <summary>What both dialects (OpenAI, TEI) ask for, once parsed and type-checked.</summary>
public sealed record EmbeddingRequest
{
    public required IReadOnlyList<EmbeddingInput> Inputs { get; init; }

    /// <summary>The name of a configured prompt (<c>--prompt NAME=TEXT</c>): the inputs are queries with that instruction.</summary>
    public string? PromptName { get; init; }

    public int? Dimensions { get; init; }

    /// <summary>Truncate over-long inputs (null: the server's <c>--auto-truncate</c>).</summary>
    public bool? Truncate { get; init; }

    /// <summary>OpenAI: base64 instead of float arrays.</summary>
    public bool Base64 { get; init; }

    /// <summary>TEI: whether the caller wants unit vectors (null: as the model gives them).</summary>
    public bool? Normalize { get; init; }
}
