using System.Text.Json.Serialization;

namespace LlmEmbed.Embedding;

/// <summary>
/// How an instruction is put before a text (the only prompt format in the library: training, evaluation, mining and
/// <c>embed</c> all use the model's). The default is E5-Mistral's <c>Instruct: …\nQuery: …</c>; the study's reference
/// code instead concatenates the bare prompt and the text (see docs/experiments.md).
/// </summary>
public sealed record InstructionOptions
{
    /// <summary>The default template and pooling rule.</summary>
    public static readonly InstructionOptions Default = new();

    /// <summary>Template with <c>{instruction}</c> and <c>{text}</c>; the part before <c>{text}</c> is the instruction span.</summary>
    [JsonPropertyName("template")] public string Template { get; init; } = "Instruct: {instruction}\nQuery: {text}";

    /// <summary>Whether instruction tokens are left out of pooling (they still serve as attention context).</summary>
    [JsonPropertyName("exclude_from_pooling")] public bool ExcludeFromPooling { get; init; } = true;

    /// <summary>The prefix for <paramref name="instruction"/>: the template up to <c>{text}</c>.</summary>
    public string Prefix(string instruction)
    {
        int at = Template.IndexOf("{text}", StringComparison.Ordinal);
        if (at < 0 || Template.IndexOf("{text}", at + 1, StringComparison.Ordinal) >= 0 || !Template.EndsWith("{text}", StringComparison.Ordinal))
            throw new ArgumentException($"instruction.template '{Template}' must end with a single {{text}}");
        return Template[..at].Replace("{instruction}", instruction, StringComparison.Ordinal);
    }

    /// <summary>The whole prompt as one string (for generators that take only text), or the text alone without instruction.</summary>
    public string Format(string? instruction, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.IsNullOrWhiteSpace(instruction) ? text : Prefix(instruction) + text;
    }
}
