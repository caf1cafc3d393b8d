namespace LlmEmbed.Training.Contrastive;

/// <summary>Which side of a contrastive pair a text is on; query-side texts carry the instruction.</summary>
public enum ContrastiveTextRole
{
    Query,
    Document,
}
