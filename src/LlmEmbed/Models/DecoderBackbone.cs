using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>The HF <c>model.*</c> part of a decoder: token embedding, the layers, and the final norm.</summary>
public sealed class DecoderBackbone : nn.Module
{
    private readonly TorchSharp.Modules.Embedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;

    public DecoderBackbone(DecoderConfig c) : base(nameof(DecoderBackbone))
    {
        embed_tokens = nn.Embedding(c.VocabSize, c.HiddenSize);
        layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new DecoderLayer(c)).ToArray());
        norm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        RegisterComponents();
    }

    public TorchSharp.Modules.Embedding EmbedTokens => embed_tokens;
    public IList<DecoderLayer> Layers => layers;
    public RmsNorm Norm => norm;
}
