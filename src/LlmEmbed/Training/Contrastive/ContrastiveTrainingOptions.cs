using LlmEmbed.Embedding;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// Everything a contrastive training run needs, read from YAML (snake_case keys; docs/training.md lists each
/// with its default). Defaults follow the study: lr 1e-5, 100 warmup steps, linear decay, scale 20, AdamW with
/// weight decay 0.01, LoRA r16 / alpha 32 / dropout 0.1. Relative paths are taken from the current directory.
/// </summary>
public sealed class ContrastiveTrainingOptions
{
    public string Output { get; set; } = "runs/contrastive";

    /// <summary>
    /// The embedding model to train: the same object (and YAML keys) as its <c>embedding_config.json</c> — base_model,
    /// preset or pooler + attention, max_length, dtype (default auto), device, instruction, lora. Checked by its own
    /// <see cref="EmbeddingModelConfig.Validate"/>, the one place these settings are checked.
    /// </summary>
    public EmbeddingModelConfig Model { get; set; } = new();

    public List<TrainingFileOptions> Files { get; set; } = [];
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Skip;

    /// <summary>Rows per optimiser step and micro-batch; all of a micro-batch's rows are each other's negatives.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>GradCache chunk size (texts encoded with the graph at once); 0 = the whole batch at once without GradCache.</summary>
    public int ChunkSize { get; set; }

    /// <summary>Micro-batches per optimiser step; averages gradients but adds no negatives (each micro-batch is its own softmax).</summary>
    public int GradientAccumulationSteps { get; set; } = 1;

    public int MaxSteps { get; set; } = 1000;
    public double LearningRate { get; set; } = 1e-5;
    public int WarmupSteps { get; set; } = 100;
    public DecayKind Schedule { get; set; } = DecayKind.Linear;
    public double MinLearningRateRatio { get; set; }
    public double WeightDecay { get; set; } = 0.01;
    public double Beta1 { get; set; } = 0.9;
    public double Beta2 { get; set; } = 0.999;
    public double Eps { get; set; } = 1e-8;
    public double GradClip { get; set; } = 1.0;

    /// <summary>Cosine similarities are multiplied by this (1 / temperature).</summary>
    public double Scale { get; set; } = 20.0;
    public bool SymmetricLoss { get; set; }
    public bool MaskDuplicatePositives { get; set; } = true;

    /// <summary>
    /// Matryoshka prefix sizes (e.g. [64, 128, 256]): the loss adds InfoNCE on each re-normalised prefix, and the saved
    /// model records them (<c>matryoshka_dims</c>) so that servers honour exactly these <c>dimensions</c>. Null: off.
    /// </summary>
    public List<int>? Matryoshka { get; set; }

    public long Seed { get; set; } = 42;
    public int LogEvery { get; set; } = 10;
    public int CheckpointEvery { get; set; } = 100;
    public int KeepCheckpoints { get; set; } = 2;

    /// <summary>Intra-op threads for libtorch (0 = its default).</summary>
    public int Threads { get; set; }

    public static ContrastiveTrainingOptions Load(string path, IEnumerable<string>? overrides = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"training config not found: {path}", path);
        return Parse(File.ReadAllText(path), path, overrides);
    }

    /// <summary>Reads YAML text, applying <c>key=value</c> overrides (dotted keys, list indices as numbers: <c>files.0.weight=2</c>).</summary>
    public static ContrastiveTrainingOptions Parse(string yaml, string source, IEnumerable<string>? overrides = null)
    {
        var list = overrides?.ToList() ?? [];
        // The file alone first, so its own errors carry its own line numbers; what fails only after the overrides
        // are merged is then blamed on them, not on a line of the file that does not contain it.
        var fromFile = YamlConfig.Deserialize<ContrastiveTrainingOptions>(yaml, source);
        if (list.Count == 0) return fromFile;
        string merged = YamlConfig.Read(source, () => ApplyOverrides(yaml, list));
        return YamlConfig.Deserialize<ContrastiveTrainingOptions>(merged, $"--set {string.Join(" ", list)} (applied to {source}; the line refers to the merged settings)");
    }

    private static string ApplyOverrides(string yaml, IReadOnlyList<string> overrides)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        YamlMappingNode root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m : new YamlMappingNode();
        foreach (var entry in overrides)
        {
            int eq = entry.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--set '{entry}': expected key=value");
            string[] keys = entry[..eq].Trim().Split('.');
            var valueStream = new YamlStream();
            valueStream.Load(new StringReader(entry[(eq + 1)..]));
            YamlNode value = valueStream.Documents.Count > 0 ? valueStream.Documents[0].RootNode : new YamlScalarNode("");
            YamlNode node = root;
            for (int i = 0; i < keys.Length; i++)
            {
                bool last = i == keys.Length - 1;
                switch (node)
                {
                    case YamlMappingNode map:
                        var key = new YamlScalarNode(keys[i]);
                        if (last) { map.Children[key] = value; break; }
                        if (!map.Children.TryGetValue(key, out var child))
                        {
                            child = int.TryParse(keys[i + 1], out _) ? new YamlSequenceNode() : new YamlMappingNode();
                            map.Children[key] = child;
                        }
                        node = child;
                        break;
                    case YamlSequenceNode seq when int.TryParse(keys[i], out int index) && index >= 0 && index <= seq.Children.Count:
                        if (index == seq.Children.Count) seq.Children.Add(last ? value : new YamlMappingNode());
                        else if (last) seq.Children[index] = value;
                        node = seq.Children[index];
                        break;
                    default:
                        throw new ArgumentException($"--set '{entry}': '{string.Join('.', keys[..(i + 1)])}' does not name a settable option");
                }
            }
        }
        var doc = new YamlDocument(root);
        var output = new YamlStream(doc);
        using var writer = new StringWriter();
        output.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    public static ISerializer Serializer => YamlConfig.Serializer;

    /// <summary>A copy whose settings can be changed without touching this one (the model recipe is immutable already).</summary>
    public ContrastiveTrainingOptions Clone()
    {
        var copy = (ContrastiveTrainingOptions)MemberwiseClone();
        copy.Files = Files.Select(f => new TrainingFileOptions { Path = f.Path, Weight = f.Weight, Instruction = f.Instruction, Simcse = f.Simcse }).ToList();
        return copy;
    }

    /// <summary>Rejects out-of-range values before any work starts; each message names the option.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message) { if (!ok) errors.Add(message); }
        Check(!string.IsNullOrWhiteSpace(Output), "output must name a folder");
        Check(Files.Count > 0, "files must list at least one training file");
        for (int i = 0; i < Files.Count; i++)
        {
            Check(!string.IsNullOrWhiteSpace(Files[i].Path), $"files[{i}].path is empty");
            Check(Files[i].Weight > 0 && double.IsFinite(Files[i].Weight), $"files[{i}].weight must be positive (got {Files[i].Weight})");
            // Without dropout the two SimCSE views are the same vector: the loss then only spreads texts apart.
            Check(!Files[i].Simcse || (Model.Lora.Enabled && Model.Lora.Dropout > 0),
                $"files[{i}].simcse needs dropout noise: LoRA with lora.dropout > 0 (got {(Model.Lora.Enabled ? $"dropout {Model.Lora.Dropout}" : "no LoRA")})");
        }
        Check(BatchSize >= 2, $"batch_size must be >= 2 for in-batch negatives (got {BatchSize})");
        Check(ChunkSize >= 0, $"chunk_size must be >= 0 (got {ChunkSize})");
        Check(GradientAccumulationSteps >= 1, $"gradient_accumulation_steps must be >= 1 (got {GradientAccumulationSteps})");
        Check(MaxSteps >= 1, $"max_steps must be >= 1 (got {MaxSteps})");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), $"learning_rate must be positive (got {LearningRate})");
        Check(WarmupSteps >= 0, $"warmup_steps must be >= 0 (got {WarmupSteps})");
        Check(MinLearningRateRatio is >= 0 and <= 1, $"min_learning_rate_ratio must be in [0, 1] (got {MinLearningRateRatio})");
        Check(WeightDecay >= 0 && double.IsFinite(WeightDecay), $"weight_decay must be >= 0 (got {WeightDecay})");
        Check(Beta1 is >= 0 and < 1, $"beta1 must be in [0, 1) (got {Beta1})");
        Check(Beta2 is >= 0 and < 1, $"beta2 must be in [0, 1) (got {Beta2})");
        Check(Eps > 0, $"eps must be positive (got {Eps})");
        Check(GradClip >= 0, $"grad_clip must be >= 0 (0 = no clipping; got {GradClip})");
        Check(Scale > 0 && double.IsFinite(Scale), $"scale must be positive (got {Scale})");
        if (Matryoshka is not null)
        {
            try { Embedding.MatryoshkaDimensions.Validate(Matryoshka); }
            catch (ArgumentException e) { Check(false, e.Message.Replace("matryoshka_dims", "matryoshka", StringComparison.Ordinal)); }
        }
        Check(LogEvery >= 1, $"log_every must be >= 1 (got {LogEvery})");
        Check(CheckpointEvery >= 1, $"checkpoint_every must be >= 1 (got {CheckpointEvery})");
        Check(KeepCheckpoints >= 1, $"keep_checkpoints must be >= 1 (got {KeepCheckpoints})");
        Check(Threads >= 0, $"threads must be >= 0 (got {Threads})");
        try
        {
            Model.Validate("model");
        }
        catch (InvalidDataException e)
        {
            errors.Add(e.Message);
        }
        if (errors.Count > 0) throw new ArgumentException("invalid training options:\n  " + string.Join("\n  ", errors));
    }

    /// <summary>Checks that every input path exists (before any work); names the option of each missing one.</summary>
    public void CheckInputsExist()
    {
        var missing = new List<string>();
        for (int i = 0; i < Files.Count; i++)
            if (!File.Exists(Files[i].Path)) missing.Add($"files[{i}].path: '{Files[i].Path}' does not exist");
        if (Model.BaseModel is { } p && !Directory.Exists(p)) missing.Add($"model.base_model: '{p}' does not exist");
        if (missing.Count > 0) throw new FileNotFoundException(string.Join("\n", missing));
    }
}
