using LlmEmbed.Models;
using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>
/// Turns a decoder's hidden states into one vector per sequence. Poolers never normalise (see
/// <see cref="EmbeddingNormalization"/>): normalisation is a separate, optional step.
/// </summary>
public interface IPooler
{
    /// <summary>The pooler's kind (eos, mean, latent-attention, multi-layer).</summary>
    PoolerKind Kind { get; }

    /// <summary>Width of the pooled vector.</summary>
    int OutputDim { get; }

    /// <summary>
    /// Pools HF-convention hidden states (L + 1 tensors [B, T, d]; index 0 = embeddings, last = after the final norm).
    /// <paramref name="attentionMask"/> is [B, T] with 1 = token, 0 = padding (either side). <paramref name="poolingMask"/>
    /// ([B, T], 1 = may be pooled) further removes tokens such as an instruction prefix; tokens outside the attention mask
    /// are never pooled whatever it says. Returns float32 [B, OutputDim], differentiable when the inputs or pooler parameters are.
    /// </summary>
    Tensor Pool(IReadOnlyList<Tensor> hiddenStates, Tensor attentionMask, Tensor? poolingMask = null);

    /// <summary>Pools a forward pass's output.</summary>
    Tensor Pool(DecoderOutput output, Tensor attentionMask, Tensor? poolingMask = null) => Pool(output.HiddenStates, attentionMask, poolingMask);

    /// <summary>The pooler's learned parameters by name (<c>latents</c>, <c>block.norm_q.weight</c>, …); empty for eos and mean.</summary>
    IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> NamedParameters();

    /// <summary>The pooler as a module, for device moves and train/eval switching.</summary>
    TorchSharp.torch.nn.Module Module { get; }
}
