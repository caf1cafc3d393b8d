namespace LlmEmbed.Evaluation.Tasks;

/// <summary>The instruction prompt format shared by evaluation and the embedding side (E5-Mistral).</summary>
public static class InstructionFormatter
{
    /// <summary>Key under which the instruction travels in <c>EmbeddingGenerationOptions.AdditionalProperties</c> in <see cref="InstructionMode.Separate"/> mode.</summary>
    public const string AdditionalPropertyKey = "instruction";

    /// <summary>Prefix that precedes the text; its length tells where the text starts (e.g. for masking the instruction in pooling).</summary>
    public static string Prefix(string instruction) => $"Instruct: {instruction}\nQuery: ";

    /// <summary><c>Instruct: {instruction}\nQuery: {text}</c>, or the text alone when there is no instruction.</summary>
    public static string Format(string? instruction, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.IsNullOrWhiteSpace(instruction) ? text : Prefix(instruction) + text;
    }
}
