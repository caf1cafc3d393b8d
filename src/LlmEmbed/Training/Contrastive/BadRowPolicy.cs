namespace LlmEmbed.Training.Contrastive;

/// <summary>What to do with a malformed training row: skip it (and count it) or stop with its location.</summary>
public enum BadRowPolicy
{
    Skip,
    Fail,
}
