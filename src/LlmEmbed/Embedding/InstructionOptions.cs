using System.Text.Json.Serialization;

namespace LlmEmbed.Embedding;

/// <summary>How instructions are prepended to queries.</summary>
public sealed record InstructionOptions
{
    /// <summary>Template with <c>{instruction}</c> and <c>{text}</c>; the part before <c>{text}</c> is the instruction span.</summary>
    [JsonPropertyName("template")] public string Template { get; init; } = "Instruct: {instruction}\nQuery: {text}";

    /// <summary>Whether instruction tokens are left out of pooling (they still serve as attention context).</summary>
    [JsonPropertyName("exclude_from_pooling")] public bool ExcludeFromPooling { get; init; } = true;

    /// <summary>The prefix for <paramref name="instruction"/>: the template up to <c>{text}</c>.</summary>
    public string Prefix(string instruction)
    {
        int at = Template.IndexOf("{text}", StringComparison.Ordinal);
        if (at < 0 || Template.IndexOf("{text}", at + 1, StringComparison.Ordinal) >= 0 || !Template.EndsWith("{text}", StringComparison.Ordinal))
            throw new ArgumentException($"instruction template '{Template}' must end with a single {{text}}");
        return Template[..at].Replace("{instruction}", instruction, StringComparison.Ordinal);
    }
}
