using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>
/// A learned latent array [n, hidden] and one <see cref="CrossAttentionBlock"/> over the last layer. With
/// <see cref="LatentAttentionOrientation.LatentsQuery"/> the latents attend over the token states (padding and excluded
/// tokens masked as keys) and the result is the mean over latents; with <see cref="LatentAttentionOrientation.TokensQuery"/>
/// the tokens attend over the latents and the result is the masked mean over tokens (NV-Embed). With
/// <see cref="PoolerInput.Eos"/> the block sees only each text's EOS state (one position per text), as the study's
/// reference design 2 does.
/// </summary>
public sealed class LatentAttentionPooler : nn.Module, IPooler
{
    private readonly Parameter latents;
    private readonly CrossAttentionBlock block;

    public LatentAttentionPooler(int hiddenSize, LatentAttentionOrientation orientation, int numLatents, int numHeads, int headSize, int feedForwardMultiplier, long seed, PoolerInput input = PoolerInput.AllTokens)
        : base(nameof(LatentAttentionPooler))
    {
        Input = input;
        var generator = new Generator((ulong)seed);
        Orientation = orientation;
        OutputDim = hiddenSize;
        NumLatents = numLatents;
        latents = new Parameter(randn(new long[] { numLatents, hiddenSize }, generator: generator));
        block = new CrossAttentionBlock(hiddenSize, hiddenSize, numHeads, headSize, feedForwardMultiplier, generator);
        RegisterComponents();
    }

    public PoolerKind Kind => PoolerKind.LatentAttention;
    public LatentAttentionOrientation Orientation { get; }
    public PoolerInput Input { get; }
    public int OutputDim { get; }
    public int NumLatents { get; }
    public CrossAttentionBlock Block => block;
    public Parameter Latents => latents;
    public nn.Module Module => this;
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() => named_parameters().ToList();

    public Tensor Pool(IReadOnlyList<Tensor> hiddenStates, Tensor attentionMask, Tensor? poolingMask = null)
    {
        PoolingMasks.CheckShapes(hiddenStates, attentionMask, poolingMask);
        using var scope = NewDisposeScope();
        var poolable = PoolingMasks.Poolable(attentionMask, poolingMask);
        var tokens = PoolingMasks.CleanStates(hiddenStates[^1], attentionMask);
        if (Input == PoolerInput.Eos)
        {
            // One position per text: the EOS state. Masks then have nothing left to exclude.
            tokens = PoolingMasks.Gather(tokens, PoolingMasks.LastTokenIndex(attentionMask)).unsqueeze(1);
            poolable = ones(tokens.shape[0], 1, dtype: ScalarType.Bool, device: tokens.device);
        }
        long b = tokens.shape[0];
        var array = latents.unsqueeze(0).expand(b, latents.shape[0], latents.shape[1]);
        Tensor pooled = Orientation == LatentAttentionOrientation.LatentsQuery
            ? block.Forward(array, tokens, poolable).mean([1L])
            : PoolingMasks.MaskedMean(block.Forward(tokens, array), poolable);
        return pooled.MoveToOuterDisposeScope();
    }
}
