using LlmEmbed.Embedding;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// What the contrastive trainer, GradCache and the hard-negative miner need from an embedding model. Kept this
/// small so an embedding model can be adapted in a few lines:
/// <code>
/// sealed class EmbeddingModelEncoder(EmbeddingModel model) : IContrastiveEncoder
/// {
///     public Tensor Encode(IReadOnlyList&lt;string&gt; texts, TextRole role, IReadOnlyList&lt;string?&gt;? instructions) =>
///         model.EncodeWithGrad(texts, role == TextRole.Query ? instructions : null);   // [n, d], autograd on
///     public IEnumerable&lt;(string Name, Parameter Parameter)&gt; TrainableParameters() =>
///         model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter));
///     public void Train(bool training) { if (training) model.train(); else model.eval(); }
/// }
/// </code>
/// </summary>
/// <remarks>
/// Contract:
/// <list type="bullet">
/// <item><see cref="Encode"/> returns a [texts.Count, d] floating tensor that is part of the autograd graph of the
/// trainable parameters (unless called under <c>torch.no_grad()</c>). It may be L2-normalised or not: the loss
/// normalises (cosine similarity). Any dtype; the loss works in float32.</item>
/// <item>Randomness (dropout) must come from torch's global generators only, so that reseeding them with
/// <c>torch.manual_seed</c> before a call reproduces that call exactly: GradCache and exact resume rely on it.</item>
/// <item>The same inputs, parameters and seed must give the same output whether or not the graph is recorded.</item>
/// <item><see cref="TrainableParameters"/> names are stable across processes (they key checkpoints); frozen
/// parameters must not be listed (they are re-created from the model files / seed, not checkpointed).</item>
/// <item>Instructions (one per text, null for none) apply to <see cref="TextRole.Query"/> texts; documents get null.</item>
/// </list>
/// </remarks>
public interface IContrastiveEncoder
{
    Tensor Encode(IReadOnlyList<string> texts, TextRole role, IReadOnlyList<string?>? instructions = null);

    IEnumerable<(string Name, Parameter Parameter)> TrainableParameters();

    /// <summary>Switches dropout on (training) or off (evaluation / mining).</summary>
    void Train(bool training);

    /// <summary>
    /// Writes the trained model into <paramref name="folder"/> (an empty folder the trainer then renames into place). The
    /// default writes the trainable parameters as <c>trainable.safetensors</c>; an embedding model writes a loadable folder.
    /// </summary>
    void Save(string folder) =>
        Checkpoints.SafeTensorsFile.Save(System.IO.Path.Combine(folder, ContrastiveTrainer.TrainableFile),
            TrainableParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)));
}
