using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// What a forward pass returns. <see cref="HiddenStates"/> follows the HF convention: L + 1 tensors [B, T, hidden],
/// index 0 = embedding output, index l = output of layer l, the last one after the final norm.
/// </summary>
public sealed class DecoderOutput : IDisposable
{
    public DecoderOutput(IReadOnlyList<Tensor> hiddenStates, Tensor? logits)
    {
        HiddenStates = hiddenStates;
        Logits = logits;
    }

    public IReadOnlyList<Tensor> HiddenStates { get; }

    /// <summary>The final hidden state (after the final norm).</summary>
    public Tensor LastHiddenState => HiddenStates[^1];

    /// <summary>LM logits [B, T, vocab] when requested.</summary>
    public Tensor? Logits { get; }

    public void Dispose()
    {
        foreach (var h in HiddenStates) h.Dispose();
        Logits?.Dispose();
    }
}
