using System.Text.Json;
using System.Text.Json.Serialization;
using LlmEmbed.Models;
using LlmEmbed.Pooling;
using YamlDotNet.Serialization;

namespace LlmEmbed.Embedding;

/// <summary>
/// The recipe of an embedding model: everything that defines it besides weights. Stored as <c>embedding_config.json</c>,
/// and — with the same keys — the <c>model:</c> block of a training YAML, so the object a training config describes
/// is the object that is built, trained and saved. Checked in one place (<see cref="Validate"/>).
/// </summary>
/// <remarks>
/// A <see cref="Preset"/> names a design (pooler × attention, see <see cref="EmbeddingPresets"/>); <see cref="Resolve"/>
/// applies it. Giving the preset and also a different <c>attention</c> or <c>pooler.kind</c> is an error, never a silent
/// override.
/// </remarks>
public sealed record EmbeddingModelConfig
{
    public const string FileName = "embedding_config.json";

    private readonly AttentionMode? attention;

    /// <summary>A design from <see cref="EmbeddingPresets"/>; sets the pooler kind and attention (and is kept as provenance).</summary>
    [JsonPropertyName("preset"), YamlMember(Alias = "preset")] public string? Preset { get; init; }

    /// <summary>Path of the base HF model folder; null when the base weights are bundled (see <see cref="BundledBase"/>).</summary>
    [JsonPropertyName("base_model"), YamlMember(Alias = "base_model")] public string? BaseModel { get; init; }

    /// <summary>True when the saved folder holds the base model under <c>base/</c>.</summary>
    [JsonPropertyName("bundled_base"), YamlMember(Alias = "bundled_base")] public bool BundledBase { get; init; }

    [JsonPropertyName("pooler"), YamlMember(Alias = "pooler")] public PoolerOptions Pooler { get; init; } = new();

    /// <summary>Attention of the backbone; unset means the preset's, else causal.</summary>
    [JsonIgnore, YamlIgnore]
    public AttentionMode Attention { get => attention ?? AttentionMode.Causal; init => attention = value; }

    /// <summary>The attention as written (null = not given); what the files hold, so a round trip keeps "not given".</summary>
    [JsonPropertyName("attention"), YamlMember(Alias = "attention")] public AttentionMode? AttentionSetting { get => attention; init => attention = value; }

    /// <summary>Whether <see cref="Attention"/> was given explicitly (not defaulted).</summary>
    [JsonIgnore, YamlIgnore] public bool AttentionIsSet => attention.HasValue;

    [JsonPropertyName("normalize"), YamlMember(Alias = "normalize")] public bool Normalize { get; init; } = true;

    /// <summary>Maximum tokens per text including BOS and the appended EOS.</summary>
    [JsonPropertyName("max_length"), YamlMember(Alias = "max_length")] public int MaxLength { get; init; } = 512;

    [JsonPropertyName("instruction"), YamlMember(Alias = "instruction")] public InstructionOptions Instruction { get; init; } = new();

    /// <summary>
    /// Where batches are padded (null = right). Results do not depend on it — positions count real tokens and padding is
    /// masked — but a preset may fix it to match its reference implementation (Qwen3-Embedding pads left).
    /// </summary>
    [JsonPropertyName("padding_side"), YamlMember(Alias = "padding_side")] public PaddingSide? PaddingSideSetting { get; init; }

    /// <summary>The padding side batches use: <see cref="PaddingSideSetting"/>, else right.</summary>
    [JsonIgnore, YamlIgnore] public PaddingSide PaddingSide => PaddingSideSetting ?? PaddingSide.Right;

    [JsonPropertyName("lora"), YamlMember(Alias = "lora")] public LoraOptions Lora { get; init; } = new();

    /// <summary>
    /// Train every backbone weight (with the pooler) instead of LoRA adapters. The study used LoRA because its base had
    /// 7 B parameters; for a small base full fine-tuning is cheap. A saved model then bundles its backbone under
    /// <c>base/</c>. Exclusive with <c>lora.enabled</c>.
    /// </summary>
    [JsonPropertyName("full_fine_tuning"), YamlMember(Alias = "full_fine_tuning")] public bool FullFineTuning { get; init; }

    /// <summary>
    /// Backbone dtype: <c>auto</c> (bfloat16 where the hardware computes it fast — CUDA, or a CPU with AMX — else
    /// float32), <c>float32</c> or <c>bfloat16</c>. The pooler always runs in float32.
    /// </summary>
    [JsonPropertyName("dtype"), YamlMember(Alias = "dtype")] public string DType { get; init; } = "auto";

    /// <summary>Where the model runs: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c>. Not saved with the model (a run-time choice).</summary>
    [JsonPropertyName("device"), YamlMember(Alias = "device")] public string? Device { get; init; }

    /// <summary>
    /// The prefix lengths a Matryoshka-trained model was trained for (ascending, each at most the embedding size);
    /// null when it was not. Only these (and the full size) may be requested as <c>dimensions</c>. Set by the trainer
    /// from the training option <c>matryoshka</c> (one name in YAML), so not a key of the YAML model block.
    /// </summary>
    [JsonPropertyName("matryoshka_dims"), YamlIgnore] public IReadOnlyList<int>? MatryoshkaDims { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    /// <summary>The torch device of <see cref="Device"/>.</summary>
    [JsonIgnore, YamlIgnore] public TorchSharp.torch.Device TorchDevice => ComputeDevice.Parse(Device);

    /// <summary>The backbone's scalar type on <see cref="TorchDevice"/> (<c>auto</c> resolved).</summary>
    [JsonIgnore, YamlIgnore] public TorchSharp.torch.ScalarType ScalarType => ComputeDevice.ParseDType(DType, TorchDevice);

    /// <summary>Parses a dtype name for the CPU (see <see cref="ComputeDevice.ParseDType"/>).</summary>
    public static TorchSharp.torch.ScalarType ParseDType(string dtype) => ComputeDevice.ParseDType(dtype);

    /// <summary>
    /// The config with its preset applied: the preset's pooler kind, pooler input and attention replace the defaults. A
    /// different explicit <c>attention</c> or <c>pooler.kind</c> is an error naming both (a preset is never overridden silently).
    /// </summary>
    public EmbeddingModelConfig Resolve()
    {
        if (string.IsNullOrWhiteSpace(Preset)) return this;
        var design = EmbeddingPresets.Get(Preset);
        string name = design.Preset!;
        if (AttentionIsSet && Attention != design.Attention)
            throw new ArgumentException($"attention: '{Name(Attention)}' contradicts preset '{name}' ({Name(design.Attention)} attention); drop one of them");
        if (Pooler.KindIsSet && Pooler.Kind != design.Pooler.Kind)
            throw new ArgumentException($"pooler.kind: '{Name(Pooler.Kind)}' contradicts preset '{name}' (pooler {Name(design.Pooler.Kind)}); drop one of them");
        if (Pooler.InputIsSet && Pooler.Input != design.Pooler.Input)
            throw new ArgumentException($"pooler.input: '{Name(Pooler.Input)}' contradicts preset '{name}' (pooler input {Name(design.Pooler.Input)}); drop one of them");
        // A preset that fixes a prompt format (a model family's convention) replaces the default one; a different
        // explicit template is a contradiction, like a different attention.
        var instruction = Instruction;
        if (design.Instruction != InstructionOptions.Default && Instruction != design.Instruction)
        {
            if (Instruction != InstructionOptions.Default)
                throw new ArgumentException($"instruction: template '{Escape(Instruction.Template)}' (exclude_from_pooling {Instruction.ExcludeFromPooling}) contradicts preset '{name}' (template '{Escape(design.Instruction.Template)}'); drop one of them");
            instruction = design.Instruction;
        }
        if (design.PaddingSideSetting is { } side && PaddingSideSetting is { } given && given != side)
            throw new ArgumentException($"padding_side: '{Name(given)}' contradicts preset '{name}' (padding side {Name(side)}); drop one of them");
        return this with
        {
            Preset = name,
            Attention = design.Attention,
            Pooler = Pooler with { Kind = design.Pooler.Kind, InputSetting = design.Pooler.InputSetting ?? Pooler.InputSetting },
            Instruction = instruction,
            PaddingSideSetting = design.PaddingSideSetting ?? PaddingSideSetting,
        };
    }

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>A template as written in YAML/JSON (newline as \n), so the message shows where two templates differ.</summary>
    private static string Escape(string template) => template.Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Checks every value (and the preset); errors name the option (and <paramref name="source"/>).</summary>
    public void Validate(string source = "embedding config")
    {
        try
        {
            Resolve();
            if (MaxLength < 2) throw new ArgumentException($"max_length must be at least 2 (BOS/text + EOS), got {MaxLength}");
            ComputeDevice.NormalizeDType(DType);
            if (Lora.Enabled)
            {
                if (Lora.Rank <= 0) throw new ArgumentException($"lora.r must be positive, got {Lora.Rank}");
                if (Lora.Alpha <= 0) throw new ArgumentException($"lora.alpha must be positive, got {Lora.Alpha}");
                if (Lora.Dropout is < 0 or >= 1) throw new ArgumentException($"lora.dropout must be in [0, 1), got {Lora.Dropout}");
                Lora.TargetModules();
            }
            if (FullFineTuning && Lora.Enabled)
                throw new ArgumentException("full_fine_tuning: true trains every backbone weight; set lora.enabled: false as well (LoRA and full fine-tuning are exclusive)");
            Instruction.Prefix("x");
            if (MatryoshkaDims is { } dims) MatryoshkaDimensions.Validate(dims);
            if (Pooler.Kind is PoolerKind.LatentAttention or PoolerKind.MultiLayer) Pooler.ResolveSizes(64);
            if (Pooler.Input == PoolerInput.Eos && Pooler.Kind != PoolerKind.LatentAttention)
                throw new ArgumentException($"pooler.input: eos is for the latent-attention pooler only (pooler.kind is {Name(Pooler.Kind)})");
            if (Device is { } d && !(d.Trim().ToLowerInvariant() is "cpu" || d.Trim().ToLowerInvariant().StartsWith("cuda", StringComparison.Ordinal)))
                throw new ArgumentException($"device '{d}' is not supported (cpu, cuda or cuda:N)");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    public static EmbeddingModelConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"embedding config not found: {path}", path);
        EmbeddingModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<EmbeddingModelConfig>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid {FileName}: {e.Message}", e);
        }
        if (config == null) throw new InvalidDataException($"{path}: {FileName} is empty");
        config.Validate(path);
        return config.Resolve();
    }

    /// <summary>Writes the config (without the run-time <see cref="Device"/>) to a temporary name and renames it.</summary>
    public void Save(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this with { Device = null }, JsonOptions));
    }
}
