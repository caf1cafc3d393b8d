using LlmEmbed.Checkpoints;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Models;

/// <summary>
/// A summary of a Hugging Face model folder (for <c>llm-embed info</c>), read from config.json, the safetensors
/// headers (no tensor data is loaded) and the tokenizer files.
/// </summary>
public sealed record ModelFolderInfo(DecoderConfig Config, string WeightsDType, long StoredParameters, string TokenizerKind)
{
    public static ModelFolderInfo Read(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"model folder not found: {dir}");
        var config = DecoderConfig.Load(Path.Combine(dir, "config.json"));
        var files = new List<string>();
        if (File.Exists(Path.Combine(dir, CheckpointFolder.IndexFile))) files.AddRange(Directory.GetFiles(dir, "model-*-of-*.safetensors").Order(StringComparer.Ordinal));
        else if (File.Exists(Path.Combine(dir, CheckpointFolder.SingleFile))) files.Add(Path.Combine(dir, CheckpointFolder.SingleFile));
        var dtypes = new SortedSet<string>(StringComparer.Ordinal);
        long stored = 0;
        foreach (var f in files)
        {
            foreach (var t in SafeTensorsFile.ReadHeader(f).Tensors)
            {
                if (t.Name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)) continue; // a derived buffer, not a parameter
                if (t.Name == "lm_head.weight" && config.TieWordEmbeddings) continue; // redundant copy of the tied embeddings
                dtypes.Add(t.DType.ToString().ToLowerInvariant());
                stored += t.Shape.Aggregate(1L, (a, b) => a * b);
            }
        }
        string dtype = files.Count == 0 ? "no weights" : string.Join("+", dtypes);
        string tokenizer;
        try
        {
            tokenizer = TextTokenizer.Load(dir).Kind;
        }
        catch (FileNotFoundException)
        {
            tokenizer = "none";
        }
        return new ModelFolderInfo(config, dtype, stored, tokenizer);
    }

    /// <summary>
    /// Why the weights cannot belong to config.json (their parameter count differs from the one the config
    /// describes), or null. Checked from the headers only, so <c>info</c> stays cheap for large models.
    /// </summary>
    public string? Mismatch => WeightsDType == "no weights" || StoredParameters == Config.ParameterCount
        ? null
        : $"the weights hold {StoredParameters:N0} parameters but config.json describes {Config.ParameterCount:N0}: they do not belong to this config";

    /// <summary>"name: value" lines for display.</summary>
    public IEnumerable<(string Name, string Value)> Lines()
    {
        var c = Config;
        yield return ("architecture", $"{c.ModelType} ({string.Join(", ", c.Architectures ?? [])})");
        yield return ("layers", c.NumHiddenLayers.ToString());
        yield return ("hidden size", c.HiddenSize.ToString());
        yield return ("intermediate size", c.IntermediateSize.ToString());
        yield return ("attention heads", $"{c.NumAttentionHeads} query / {c.NumKeyValueHeads} key-value (head dim {c.HeadDim})");
        yield return ("vocabulary", c.VocabSize.ToString());
        yield return ("max positions", c.MaxPositionEmbeddings.ToString());
        yield return ("rope theta", c.EffectiveRopeTheta.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("q/k/v bias", c.QkvBias ? "yes" : "no");
        if (c.OutputBias) yield return ("o bias", "yes");
        if (c.QkNorm) yield return ("q/k norm", "per head (RMSNorm over head dim)");
        if (c.IsCausal == false) yield return ("is_causal", "false (meant for bidirectional attention)");
        yield return ("tied embeddings", c.TieWordEmbeddings ? "yes" : "no");
        yield return ("parameters", $"{c.ParameterCount:N0} (stored tensors: {StoredParameters:N0})");
        yield return ("dtype", $"{WeightsDType} (config torch_dtype: {c.TorchDtype ?? "unset"})");
        yield return ("tokenizer", TokenizerKind);
    }
}
