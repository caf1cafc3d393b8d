using YamlDotNet.Serialization;

namespace LlmEmbed.Training.Pretraining;

/// <summary>
/// Everything a pretraining run needs, read from YAML (snake_case keys; docs/pretraining.md lists each with its
/// default). Relative paths are taken from the current directory.
/// </summary>
public sealed class PretrainOptions
{
    public string Output { get; set; } = "runs/pretrain";
    /// <summary>Tokenizer folder or file (required; <c>llm-embed pretrain</c> defaults it to the workspace's).</summary>
    public string Tokenizer { get; set; } = "";

    /// <summary>Text files or glob patterns (<c>dir/*.txt</c>) of the corpus (required; the CLI defaults it to the workspace's).</summary>
    public List<string> Files { get; set; } = [];
    public double ValidationFraction { get; set; } = 0.005;

    /// <summary>Where the tokenised corpus is cached; default <c>{output}/token-cache</c>.</summary>
    public string? CacheDir { get; set; }

    public PretrainModelOptions Model { get; set; } = new();
    public PretrainObjective Objective { get; set; } = PretrainObjective.Clm;
    public double MntpMaskProbability { get; set; } = 0.2;

    /// <summary>The id masked tokens are replaced with in MNTP; default the tokenizer's "_" token (as LLM2Vec does for Llama), else UNK 0.</summary>
    public int? MntpMaskTokenId { get; set; }

    public int SequenceLength { get; set; } = 256;
    public int BatchSize { get; set; } = 16;
    public int MaxSteps { get; set; } = 1000;
    public double LearningRate { get; set; } = 1e-3;
    public double MinLearningRateRatio { get; set; } = 0.1;
    public int WarmupSteps { get; set; } = 100;
    public DecayKind Schedule { get; set; } = DecayKind.Cosine;
    public double WeightDecay { get; set; } = 0.1;
    public double Beta1 { get; set; } = 0.9;
    public double Beta2 { get; set; } = 0.95;
    public double GradClip { get; set; } = 1.0;

    /// <summary>float32 or bfloat16 weights (bf16 keeps float32 master copies in the optimiser).</summary>
    public string Dtype { get; set; } = "auto";
    public long Seed { get; set; } = 1234;
    public int LogEvery { get; set; } = 10;
    public int EvalEvery { get; set; } = 100;
    public int EvalBatches { get; set; } = 16;
    public int CheckpointEvery { get; set; } = 50;
    public int KeepCheckpoints { get; set; } = 2;

    /// <summary>Intra-op threads for libtorch (0 = its default, all cores).</summary>
    public int Threads { get; set; }

    public static PretrainOptions Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"pretraining config not found: {path}", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads YAML text; <paramref name="source"/> names it in errors (<c>source:line:col: ...</c>).</summary>
    public static PretrainOptions Parse(string yaml, string source) => YamlConfig.Deserialize<PretrainOptions>(yaml, source);

    public static ISerializer Serializer => YamlConfig.Serializer;

    /// <summary>Rejects out-of-range values before any work starts; each message names the option.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message) { if (!ok) errors.Add(message); }
        Check(SequenceLength >= 2, $"sequence_length must be >= 2 (got {SequenceLength})");
        Check(BatchSize >= 1, $"batch_size must be >= 1 (got {BatchSize})");
        Check(MaxSteps >= 1, $"max_steps must be >= 1 (got {MaxSteps})");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), $"learning_rate must be positive (got {LearningRate})");
        Check(MinLearningRateRatio is >= 0 and <= 1, $"min_learning_rate_ratio must be in [0, 1] (got {MinLearningRateRatio})");
        Check(WarmupSteps >= 0, $"warmup_steps must be >= 0 (got {WarmupSteps})");
        Check(WeightDecay >= 0, $"weight_decay must be >= 0 (got {WeightDecay})");
        Check(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, "beta1 and beta2 must be in [0, 1)");
        Check(GradClip >= 0, $"grad_clip must be >= 0 (got {GradClip})");
        Check(Dtype is "auto" or "float32" or "bfloat16", $"dtype must be auto, float32 or bfloat16 (got '{Dtype}')");
        Check(ValidationFraction is >= 0 and < 1, $"validation_fraction must be in [0, 1) (got {ValidationFraction})");
        Check(MntpMaskProbability is > 0 and < 1, $"mntp_mask_probability must be in (0, 1) (got {MntpMaskProbability})");
        Check(LogEvery >= 1 && EvalEvery >= 1 && CheckpointEvery >= 1, "log_every, eval_every and checkpoint_every must be >= 1");
        Check(KeepCheckpoints >= 1, $"keep_checkpoints must be >= 1 (got {KeepCheckpoints})");
        Check(EvalBatches >= 1, $"eval_batches must be >= 1 (got {EvalBatches})");
        Check(Files.Count > 0, "files must list at least one text file or pattern");
        Check(!string.IsNullOrWhiteSpace(Tokenizer), "tokenizer must name a tokenizer folder or file");
        Check(SequenceLength <= Model.MaxPositionEmbeddings || Model.InitFrom != null,
            $"sequence_length ({SequenceLength}) exceeds model.max_position_embeddings ({Model.MaxPositionEmbeddings})");
        Check(Threads >= 0, $"threads must be >= 0 (got {Threads})");
        // A fresh model's shape is checked here, not after the (slow) tokenisation; init_from brings its own config.
        if (Model.InitFrom == null) Model.Validate(Check);
        if (errors.Count > 0) throw new ArgumentException("invalid pretraining options:\n  " + string.Join("\n  ", errors));
    }

    /// <summary>Expands the file list (globs allowed in the file name part) and checks that every entry matches something.</summary>
    public IReadOnlyList<string> ResolveFiles()
    {
        var result = new List<string>();
        foreach (var entry in Files)
        {
            string dir = Path.GetDirectoryName(entry) is { Length: > 0 } d ? d : ".";
            string pattern = Path.GetFileName(entry);
            if (pattern.Contains('*') || pattern.Contains('?'))
            {
                if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"files: folder '{dir}' of pattern '{entry}' does not exist");
                var matches = Directory.GetFiles(dir, pattern).Order(StringComparer.Ordinal).ToList();
                if (matches.Count == 0) throw new FileNotFoundException($"files: pattern '{entry}' matches no file");
                result.AddRange(matches);
            }
            else
            {
                if (!File.Exists(entry)) throw new FileNotFoundException($"files: '{entry}' does not exist", entry);
                result.Add(entry);
            }
        }
        return result;
    }
}
