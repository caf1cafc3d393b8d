namespace LlmEmbed.Experiments;

/// <summary>Training state of an arm as stored in results.sqlite (stored as lower-case text).</summary>
public enum ArmStatus
{
    Pending,
    Training,
    Trained,
    Failed,
}
