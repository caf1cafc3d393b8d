using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>Masked mean of the last layer over real, poolable tokens.</summary>
public sealed class MeanPooler : nn.Module, IPooler
{
    public MeanPooler(int hiddenSize) : base(nameof(MeanPooler)) => OutputDim = hiddenSize;

    public PoolerKind Kind => PoolerKind.Mean;
    public int OutputDim { get; }
    public nn.Module Module => this;
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() => [];

    public Tensor Pool(IReadOnlyList<Tensor> hiddenStates, Tensor attentionMask, Tensor? poolingMask = null)
    {
        PoolingMasks.CheckShapes(hiddenStates, attentionMask, poolingMask);
        using var scope = NewDisposeScope();
        var poolable = PoolingMasks.Poolable(attentionMask, poolingMask);
        return PoolingMasks.MaskedMean(hiddenStates[^1].to(ScalarType.Float32), poolable).MoveToOuterDisposeScope();
    }
}
