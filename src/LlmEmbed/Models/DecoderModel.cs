using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// A Llama-family decoder (Llama-2/3, Mistral, Qwen2, Qwen3), configured by <see cref="DecoderConfig"/>, with HF
/// tensor names (<c>model.layers.N.self_attn.q_proj.weight</c>, Qwen3's <c>….self_attn.q_norm.weight</c>, …,
/// <c>lm_head.weight</c>). The attention mode
/// is an argument of each forward call, so one set of weights serves causal and bidirectional encoders.
/// </summary>
public sealed class DecoderModel : nn.Module
{
    private readonly DecoderBackbone model;
    private readonly Linear? lm_head;
    private readonly RotaryEmbedding rope;

    public DecoderModel(DecoderConfig config) : base(nameof(DecoderModel))
    {
        config.Validate();
        Config = config;
        model = new DecoderBackbone(config);
        if (!config.TieWordEmbeddings) lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        rope = new RotaryEmbedding(config);
        RegisterComponents();
    }

    public DecoderConfig Config { get; }
    public DecoderBackbone Backbone => model;
    public int NumLayers => Config.NumHiddenLayers;
    public int HiddenSize => Config.HiddenSize;

    /// <summary>The dtype of the weights (float32 or bfloat16).</summary>
    public ScalarType DType => model.EmbedTokens.weight!.dtype;

    /// <summary>The output projection: lm_head, or the token embedding when tied.</summary>
    public Tensor OutputWeight => lm_head?.weight ?? model.EmbedTokens.weight!;

    /// <summary>Every projection of every layer with its HF path (e.g. <c>model.layers.3.mlp.up_proj</c>).</summary>
    public IEnumerable<(string Path, string ShortName, LoraLinear Projection)> Projections =>
        model.Layers.SelectMany((layer, i) => layer.Projections.Select(p =>
            ($"model.layers.{i}.{p.Path}", p.Path[(p.Path.IndexOf('.') + 1)..], p.Projection)));

    /// <summary>A randomly initialised model (HF init: N(0, 0.02) for embeddings and projections, ones for norms).</summary>
    public static DecoderModel CreateRandom(DecoderConfig config, long seed, ScalarType dtype = ScalarType.Float32, double std = 0.02)
    {
        var m = new DecoderModel(config);
        var gen = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (name, p) in m.named_parameters())
            {
                if (name.EndsWith("norm.weight")) p.fill_(1.0);
                else if (name.EndsWith(".bias")) p.zero_();
                else p.normal_(0, std, gen);
            }
        }
        if (dtype != ScalarType.Float32) m.to(dtype);
        return m;
    }

    /// <summary>The names and shapes of the base weights this model expects from a checkpoint (no LoRA tensors).</summary>
    public IEnumerable<(string Name, long[] Shape)> ExpectedTensors =>
        BaseParameters().Select(p => (p.Name, p.Parameter.shape));

    /// <summary>Base parameters with HF names (LoRA adapter weights excluded).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> BaseParameters() =>
        named_parameters().Where(p => !p.name.Contains(".lora_"));

    /// <summary>
    /// Copies checkpoint tensors into the model. Every expected tensor must be present with the right shape;
    /// unexpected tensors are an error too (a tied model tolerates a redundant <c>lm_head.weight</c>). All
    /// problems are reported together, naming the source.
    /// </summary>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var expected = BaseParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var problems = new List<string>();
        foreach (var (name, p) in expected)
        {
            if (!tensors.TryGetValue(name, out var t)) problems.Add($"missing tensor '{name}' (expected shape [{string.Join(", ", p.shape)}])");
            else if (!t.shape.SequenceEqual(p.shape))
                problems.Add($"tensor '{name}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", p.shape)}]");
        }
        foreach (var name in tensors.Keys)
        {
            if (expected.ContainsKey(name)) continue;
            if (name == "lm_head.weight" && Config.TieWordEmbeddings) continue;
            if (name.EndsWith("rotary_emb.inv_freq")) continue; // older HF checkpoints store this derived buffer
            problems.Add($"unexpected tensor '{name}'");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{source}: checkpoint does not match the model config:\n  " + string.Join("\n  ", problems));
        using (no_grad())
        {
            foreach (var (name, p) in expected) p.copy_(tensors[name]);
        }
    }

    /// <summary>The base weights under HF names, as tensors sharing the model's storage (for saving).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> BaseStateDict() =>
        BaseParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter));

    /// <summary>
    /// Runs the decoder. <paramref name="attentionMask"/> ([B, T], 1 = token, 0 = padding) may be null for an
    /// unpadded batch. Padding may be on either side: positions are counted over real tokens only and padded
    /// keys are masked, so each sequence gets exactly the states it would get alone.
    /// </summary>
    public DecoderOutput Forward(Tensor inputIds, Tensor? attentionMask, AttentionMode mode, bool computeLogits = false)
    {
        if (inputIds.dim() != 2) throw new ArgumentException($"input_ids must be [batch, tokens], got [{string.Join(", ", inputIds.shape)}]", nameof(inputIds));
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException($"attention_mask shape [{string.Join(", ", attentionMask.shape)}] differs from input_ids [{string.Join(", ", inputIds.shape)}]", nameof(attentionMask));
        long b = inputIds.shape[0], t = inputIds.shape[1];
        bool causal = mode == AttentionMode.Causal;
        var hidden = new List<Tensor>(NumLayers + 1);
        Tensor? logits = null;
        using (var scope = NewDisposeScope())
        {
            // Everything shared by the layers is built once per forward, already in the compute dtype: the RoPE
            // tables, and the mask as an additive float mask (0 / -inf) — what SDPA would otherwise derive from a
            // boolean mask in every layer. Same values as per-layer casts, so the same results, with fewer ops.
            Tensor positions;
            Tensor? mask = null;
            if (attentionMask is null)
            {
                positions = arange(t, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0).expand(b, t);
            }
            else
            {
                var valid = attentionMask.to(ScalarType.Bool);
                positions = valid.to(ScalarType.Int64).cumsum(1).sub_(1).clamp_min_(0);
                var allowed = valid.view(b, 1, 1, t).expand(b, 1, t, t);
                if (causal)
                    allowed = allowed.logical_and(ones(t, t, dtype: ScalarType.Bool, device: inputIds.device).tril());
                // A padding query would otherwise see no key at all (softmax over nothing = NaN, which then leaks through
                // 0·NaN into real tokens). Letting every query see itself keeps everything finite; real queries never
                // see a padding key, so their states are unchanged.
                allowed = allowed.logical_or(eye(t, dtype: ScalarType.Bool, device: inputIds.device));
                mask = zeros(allowed.shape, dtype: DType, device: inputIds.device).masked_fill_(allowed.logical_not(), double.NegativeInfinity);
            }
            var (cos, sin) = rope.Tables(positions, DType);
            var x = model.EmbedTokens.forward(inputIds);
            foreach (var layer in model.Layers)
            {
                hidden.Add(x.MoveToOuterDisposeScope());
                x = layer.Forward(x, cos, sin, mask, causal);
            }
            var last = model.Norm.forward(x);
            hidden.Add(last.MoveToOuterDisposeScope());
            if (computeLogits) logits = nn.functional.linear(last, OutputWeight).MoveToOuterDisposeScope();
        }
        return new DecoderOutput(hidden, logits);
    }

    /// <summary>Loads <c>config.json</c> plus safetensors weights (single file or sharded) from an HF model folder.</summary>
    public static DecoderModel Load(string dir, ScalarType? dtype = null)
    {
        var config = DecoderConfig.Load(Path.Combine(dir, "config.json"));
        var m = new DecoderModel(config);
        var weights = Checkpoints.CheckpointFolder.Load(dir);
        try
        {
            m.LoadWeights(weights, dir);
        }
        finally
        {
            foreach (var w in weights.Values) w.Dispose();
        }
        var target = dtype ?? (config.TorchDtype == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32);
        if (target != ScalarType.Float32) m.to(target);
        m.eval();
        return m;
    }

    /// <summary>
    /// Writes <c>config.json</c> and the base weights (HF names) into <paramref name="dir"/>. With
    /// <paramref name="attention"/> given, config.json says how the weights are meant to run: <c>"is_causal": false</c>
    /// for <see cref="AttentionMode.Bidirectional"/> (what recent Hugging Face releases read), no key for causal; null
    /// keeps the config's own value.
    /// </summary>
    public void Save(string dir, long maxShardBytes = long.MaxValue, AttentionMode? attention = null)
    {
        Directory.CreateDirectory(dir);
        var config = Config with { TorchDtype = DType == ScalarType.BFloat16 ? "bfloat16" : "float32" };
        if (attention is { } mode) config = config with { IsCausal = mode == AttentionMode.Bidirectional ? false : null };
        config.Save(Path.Combine(dir, "config.json"));
        Checkpoints.CheckpointFolder.Save(dir, BaseStateDict(), maxShardBytes);
    }
}
