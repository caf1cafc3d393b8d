namespace LlmEmbed.Training.Pretraining;

/// <summary>What the pretraining loss predicts.</summary>
public enum PretrainObjective
{
    /// <summary>Causal language modelling: each token from the ones before it (causal attention).</summary>
    Clm,

    /// <summary>
    /// Masked next-token prediction (LLM2Vec): a fraction of tokens is masked and each masked token i is predicted
    /// from the output at position i − 1, with bidirectional attention — adapts a decoder to seeing the future.
    /// </summary>
    Mntp,
}
