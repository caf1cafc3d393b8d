using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// Imports llama2.c "legacy" (version 0) checkpoints: 7 int32 header fields (dim, hidden_dim, n_layers, n_heads,
/// n_kv_heads, vocab_size, seq_len; a negative vocab size means an untied classifier follows), then float32 arrays
/// in a fixed order. Weights are converted to the HF layout, including the q/k row permutation that turns
/// llama2.c's adjacent-pair RoPE into HF's rotate_half convention.
/// </summary>
public static class Llama2cCheckpoint
{
    private const int HeaderBytes = 28;

    /// <summary>Reads the header and weights; returns the HF config and HF-named float32 tensors.</summary>
    public static (DecoderConfig Config, Dictionary<string, Tensor> Tensors) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"llama2.c checkpoint not found: {path}", path);
        using var stream = File.OpenRead(path);
        if (stream.Length < HeaderBytes) throw new InvalidDataException($"{path}: file is {stream.Length} bytes, shorter than the 28-byte llama2.c header");
        using var reader = new BinaryReader(stream);
        int dim = reader.ReadInt32(), hidden = reader.ReadInt32(), layers = reader.ReadInt32(), heads = reader.ReadInt32();
        int kvHeads = reader.ReadInt32(), vocabRaw = reader.ReadInt32(), seqLen = reader.ReadInt32();
        if (dim == 0x616b3432) throw new InvalidDataException($"{path}: this is a llama2.c version 1/2 file (magic 'ak42'); only the legacy version 0 format is supported");
        int vocab = Math.Abs(vocabRaw);
        bool shared = vocabRaw > 0;
        foreach (var (name, v) in new[] { ("dim", dim), ("hidden_dim", hidden), ("n_layers", layers), ("n_heads", heads), ("n_kv_heads", kvHeads), ("vocab_size", vocab), ("seq_len", seqLen) })
            if (v <= 0 || v > 1 << 24) throw new InvalidDataException($"{path}: header field {name} = {v} is out of range");
        if (dim % heads != 0) throw new InvalidDataException($"{path}: dim {dim} is not divisible by n_heads {heads}");
        int headSize = dim / heads;
        long kvDim = (long)kvHeads * headSize;
        long floats = (long)vocab * dim + layers * ((long)dim * 2 + (long)dim * dim * 2 + kvDim * dim * 2 + (long)hidden * dim * 3)
                      + dim + (long)seqLen * headSize + (shared ? 0 : (long)vocab * dim);
        long expectedBytes = HeaderBytes + 4 * floats;
        if (stream.Length != expectedBytes)
            throw new InvalidDataException($"{path}: file is {stream.Length} bytes but the header (dim {dim}, hidden {hidden}, layers {layers}, heads {heads}/{kvHeads}, vocab {vocabRaw}, seq_len {seqLen}) implies {expectedBytes}: truncated or not a llama2.c legacy checkpoint");

        var config = new DecoderConfig
        {
            ModelType = "llama",
            Architectures = ["LlamaForCausalLM"],
            VocabSize = vocab,
            HiddenSize = dim,
            IntermediateSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeadsRaw = kvHeads,
            MaxPositionEmbeddings = seqLen,
            RmsNormEps = 1e-5,            // fixed in run.c, not stored in the file
            RopeTheta = 10000.0,
            TieWordEmbeddings = shared,
            BosTokenId = 1,
            EosTokenIdRaw = System.Text.Json.JsonDocument.Parse("2").RootElement.Clone(),
        };

        Tensor Block(params long[] shape)
        {
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var data = new float[n];
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan());
            stream.ReadExactly(bytes);
            return tensor(data, shape);
        }

        var t = new Dictionary<string, Tensor>();
        t["model.embed_tokens.weight"] = Block(vocab, dim);
        void PerLayer(string name, Tensor stacked, Func<Tensor, Tensor>? convert = null)
        {
            for (int l = 0; l < layers; l++)
            {
                var w = stacked[l].clone();
                t[$"model.layers.{l}.{name}"] = convert != null ? convert(w) : w;
            }
            stacked.Dispose();
        }
        PerLayer("input_layernorm.weight", Block(layers, dim));
        PerLayer("self_attn.q_proj.weight", Block(layers, dim, dim), w => ToRotateHalf(w, heads, headSize));
        PerLayer("self_attn.k_proj.weight", Block(layers, kvDim, dim), w => ToRotateHalf(w, kvHeads, headSize));
        PerLayer("self_attn.v_proj.weight", Block(layers, kvDim, dim));
        PerLayer("self_attn.o_proj.weight", Block(layers, dim, dim));
        PerLayer("post_attention_layernorm.weight", Block(layers, dim));
        PerLayer("mlp.gate_proj.weight", Block(layers, hidden, dim));
        PerLayer("mlp.down_proj.weight", Block(layers, dim, hidden));
        PerLayer("mlp.up_proj.weight", Block(layers, hidden, dim));
        t["model.norm.weight"] = Block(dim);
        stream.Seek((long)seqLen * headSize * 4, SeekOrigin.Current); // legacy freq_cis tables, unused
        if (!shared) t["lm_head.weight"] = Block(vocab, dim);
        return (config, t);
    }

    /// <summary>
    /// Permutes q/k rows from adjacent-pair RoPE (2i, 2i+1) to HF's half-split layout (i, i + d/2):
    /// W_hf = W.reshape(h, d/2, 2, in).transpose(1, 2).reshape(out, in).
    /// </summary>
    public static Tensor ToRotateHalf(Tensor w, int heads, int headSize)
    {
        using var scope = NewDisposeScope();
        long input = w.shape[1];
        var result = w.reshape(heads, headSize / 2, 2, input).transpose(1, 2).reshape(heads * headSize, input).contiguous();
        w.Dispose();
        return result.MoveToOuterDisposeScope();
    }
}
