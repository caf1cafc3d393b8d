using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>The last layer's state at the last real token (the appended EOS), for left or right padding.</summary>
public sealed class EosPooler : nn.Module, IPooler
{
    public EosPooler(int hiddenSize) : base(nameof(EosPooler)) => OutputDim = hiddenSize;

    public PoolerKind Kind => PoolerKind.Eos;
    public int OutputDim { get; }
    public nn.Module Module => this;
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() => [];

    public Tensor Pool(IReadOnlyList<Tensor> hiddenStates, Tensor attentionMask, Tensor? poolingMask = null)
    {
        PoolingMasks.CheckShapes(hiddenStates, attentionMask, poolingMask);
        using var scope = NewDisposeScope();
        var index = PoolingMasks.LastTokenIndex(attentionMask);
        return PoolingMasks.Gather(hiddenStates[^1], index).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
