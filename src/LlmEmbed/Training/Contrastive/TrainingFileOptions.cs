namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// One training file of the mixture. <see cref="Weight"/> is how many times the file's rows are drawn per
/// epoch of the mixture (1 = each row once, 2 = upsampled twice, 0.5 = a different random half each epoch).
/// </summary>
public sealed class TrainingFileOptions
{
    public string Path { get; set; } = "";
    public double Weight { get; set; } = 1.0;

    /// <summary>Instruction for this file's queries where a row has none of its own (null = no instruction).</summary>
    public string? Instruction { get; set; }

    /// <summary>
    /// Unsupervised SimCSE (LLM2Vec's third step): the file holds plain texts (<c>.jsonl</c> rows with a <c>text</c>
    /// field, else one text per line) and each becomes the pair (text, text); the two encodings differ only by dropout,
    /// which is why it needs LoRA dropout &gt; 0. Makes contrastive data unlimited.
    /// </summary>
    public bool Simcse { get; set; }
}
