using LlmEmbed.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>
/// The study's multi-layer pooler: one vector per transformer layer 1..L (that layer's EOS state, or its masked mean),
/// plus a learned layer-position embedding [L, hidden], pooled by a <see cref="CrossAttentionBlock"/> with learned
/// latents as queries over the L layer vectors; the result is the mean over latents.
/// </summary>
public sealed class MultiLayerPooler : nn.Module, IPooler
{
    private readonly Parameter latents;
    private readonly Parameter layer_embedding;
    private readonly CrossAttentionBlock block;

    /// <param name="summary">Eos or Mean (resolve <see cref="LayerSummary.Auto"/> with <see cref="ResolveSummary"/> first).</param>
    public MultiLayerPooler(int hiddenSize, int numLayers, LayerSummary summary, int numLatents, int numHeads, int headSize, int feedForwardMultiplier, long seed)
        : base(nameof(MultiLayerPooler))
    {
        if (summary == LayerSummary.Auto) throw new ArgumentException("resolve LayerSummary.Auto against the attention mode before building the pooler", nameof(summary));
        if (numLayers <= 0) throw new ArgumentOutOfRangeException(nameof(numLayers), numLayers, "need at least one layer");
        var generator = new Generator((ulong)seed);
        OutputDim = hiddenSize;
        NumLayers = numLayers;
        Summary = summary;
        latents = new Parameter(randn(new long[] { numLatents, hiddenSize }, generator: generator));
        layer_embedding = new Parameter(randn(new long[] { numLayers, hiddenSize }, generator: generator).mul_(0.02));
        block = new CrossAttentionBlock(hiddenSize, hiddenSize, numHeads, headSize, feedForwardMultiplier, generator);
        RegisterComponents();
    }

    /// <summary>Auto means the EOS state for causal attention and the mean for bidirectional attention.</summary>
    public static LayerSummary ResolveSummary(LayerSummary summary, AttentionMode mode) =>
        summary != LayerSummary.Auto ? summary : mode == AttentionMode.Causal ? LayerSummary.Eos : LayerSummary.Mean;

    public PoolerKind Kind => PoolerKind.MultiLayer;
    public int OutputDim { get; }
    public int NumLayers { get; }
    public LayerSummary Summary { get; }
    public CrossAttentionBlock Block => block;
    public nn.Module Module => this;
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() => named_parameters().ToList();

    /// <summary>The L layer vectors [B, L, hidden] before the layer embedding is added.</summary>
    public Tensor LayerVectors(IReadOnlyList<Tensor> hiddenStates, Tensor attentionMask, Tensor? poolingMask = null)
    {
        PoolingMasks.CheckShapes(hiddenStates, attentionMask, poolingMask);
        if (hiddenStates.Count != NumLayers + 1)
            throw new ArgumentException($"multi-layer pooler was built for {NumLayers} layers but got {hiddenStates.Count} hidden states (expected L + 1 = {NumLayers + 1})", nameof(hiddenStates));
        using var scope = NewDisposeScope();
        var vectors = new List<Tensor>(NumLayers);
        if (Summary == LayerSummary.Eos)
        {
            var index = PoolingMasks.LastTokenIndex(attentionMask);
            for (int l = 1; l <= NumLayers; l++) vectors.Add(PoolingMasks.Gather(hiddenStates[l], index).to(ScalarType.Float32));
        }
        else
        {
            var poolable = PoolingMasks.Poolable(attentionMask, poolingMask);
            for (int l = 1; l <= NumLayers; l++) vectors.Add(PoolingMasks.MaskedMean(hiddenStates[l].to(ScalarType.Float32), poolable));
        }
        return stack(vectors, 1).MoveToOuterDisposeScope();
    }

    public Tensor Pool(IReadOnlyList<Tensor> hiddenStates, Tensor attentionMask, Tensor? poolingMask = null)
    {
        using var scope = NewDisposeScope();
        var vectors = LayerVectors(hiddenStates, attentionMask, poolingMask).add(layer_embedding.unsqueeze(0));
        long b = vectors.shape[0];
        var queries = latents.unsqueeze(0).expand(b, latents.shape[0], latents.shape[1]);
        return block.Forward(queries, vectors).mean([1L]).MoveToOuterDisposeScope();
    }
}
