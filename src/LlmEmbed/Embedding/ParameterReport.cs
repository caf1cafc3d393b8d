namespace LlmEmbed.Embedding;

/// <summary>Parameter counts of an embedding model.</summary>
public sealed record ParameterReport(long Total, long Trainable, long Backbone, long BackboneTrainable, long Pooler)
{
    public double TrainableFraction => Total == 0 ? 0 : (double)Trainable / Total;

    public override string ToString() =>
        $"trainable {Trainable:N0} of {Total:N0} ({100 * TrainableFraction:F3}%): backbone {BackboneTrainable:N0} of {Backbone:N0} (LoRA), pooler {Pooler:N0}";
}
