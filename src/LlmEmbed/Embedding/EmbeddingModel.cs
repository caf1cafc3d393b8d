using LlmEmbed.Models;
using LlmEmbed.Pooling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Embedding;

/// <summary>
/// A decoder backbone run in one attention mode, a pooler, and optional L2 normalisation. LoRA adapters (base frozen,
/// B = 0 so the untrained model equals the base exactly) are attached at construction when the config enables them.
/// Saved folders hold <c>embedding_config.json</c>, the adapter in PEFT layout, <c>pooler.safetensors</c>, and
/// optionally the base model under <c>base/</c>.
/// </summary>
public sealed class EmbeddingModel : IDisposable
{
    public const string PoolerFile = "pooler.safetensors";
    public const string BundledBaseFolder = "base";

    private EmbeddingModel(EmbeddingModelConfig config, DecoderModel backbone, IPooler pooler, IEmbeddingTokenizer? tokenizer)
    {
        Config = config;
        Backbone = backbone;
        Pooler = pooler;
        Tokenizer = tokenizer;
    }

    public EmbeddingModelConfig Config { get; private set; }
    public DecoderModel Backbone { get; }
    public IPooler Pooler { get; }

    /// <summary>Needed by the text overloads of <see cref="Encode(IReadOnlyList{EmbeddingInput}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/> and <see cref="Tokenize(string, string?, int?)"/>.</summary>
    public IEmbeddingTokenizer? Tokenizer { get; }

    public AttentionMode Attention => Config.Attention;
    public int Dimension => Pooler.OutputDim;
    public Device Device => Backbone.OutputWeight.device;

    /// <summary>The backbone's dtype as it runs (<c>float32</c> or <c>bfloat16</c>; the config may say <c>auto</c>).</summary>
    public string DTypeName => Backbone.DType == ScalarType.BFloat16 ? "bfloat16" : "float32";

    /// <summary>True once <see cref="MergeLora"/> has folded the adapters into the base weights.</summary>
    public bool LoraMerged { get; private set; }

    /// <summary>
    /// Builds the model around <paramref name="backbone"/> (taken over; cast to the config's dtype): builds the pooler,
    /// attaches LoRA adapters to the configured projections and freezes every base weight (unless <c>full_fine_tuning</c>).
    /// </summary>
    public static EmbeddingModel Create(EmbeddingModelConfig config, DecoderModel backbone, IEmbeddingTokenizer? tokenizer = null)
    {
        config.Validate();
        var dtype = config.ScalarType;
        if (backbone.DType != dtype) backbone.to(dtype);
        config = config.Resolve();
        var device = config.TorchDevice;
        if (backbone.OutputWeight.device.type != device.type || backbone.OutputWeight.device.index != device.index) backbone.to(device);
        var pooler = PoolerFactory.Create(config.Pooler, backbone.HiddenSize, backbone.NumLayers, config.Attention);
        pooler.Module.to(backbone.OutputWeight.device);
        foreach (var (_, p) in backbone.named_parameters()) p.requires_grad = config.FullFineTuning;
        if (config.Lora.Enabled)
        {
            var targets = config.Lora.TargetModules();
            var generator = new Generator((ulong)config.Lora.Seed);
            int attached = 0;
            foreach (var (_, shortName, projection) in backbone.Projections)
            {
                if (!targets.Contains(shortName)) continue;
                projection.AddAdapter(config.Lora.Rank, config.Lora.Alpha, config.Lora.Dropout, generator);
                projection.to(backbone.OutputWeight.device);
                projection.LoraA!.requires_grad = true;
                projection.LoraB!.requires_grad = true;
                attached++;
            }
            if (attached == 0) throw new ArgumentException($"no projection matches the LoRA targets [{string.Join(", ", targets)}]");
        }
        var model = new EmbeddingModel(config, backbone, pooler, tokenizer);
        model.Eval();
        return model;
    }

    /// <summary>Loads the base model named by <see cref="EmbeddingModelConfig.BaseModel"/> (and its tokenizer) and builds a fresh model.</summary>
    public static EmbeddingModel FromBaseModel(EmbeddingModelConfig config, IEmbeddingTokenizer? tokenizer = null)
    {
        if (string.IsNullOrEmpty(config.BaseModel)) throw new ArgumentException("embedding config has no base_model path");
        var backbone = DecoderModel.Load(config.BaseModel, config.ScalarType);
        return Create(config, backbone, tokenizer ?? TextTokenizerAdapter.Load(config.BaseModel));
    }

    /// <summary>All parameters the trainer should optimise: LoRA A/B under HF paths, then the pooler's under <c>pooler.</c>.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters() =>
        Backbone.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter))
            .Concat(Pooler.NamedParameters().Select(p => ("pooler." + p.Name, p.Parameter)))
            .ToList();

    public ParameterReport Parameters()
    {
        long backbone = Backbone.parameters().Sum(p => p.numel());
        long backboneTrainable = Backbone.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        long pooler = Pooler.NamedParameters().Sum(p => p.Parameter.numel());
        return new ParameterReport(backbone + pooler, backboneTrainable + pooler, backbone, backboneTrainable, pooler);
    }

    /// <summary>Switches dropout (LoRA) and any pooler dropout to training behaviour.</summary>
    public void Train(bool on = true)
    {
        Backbone.train(on);
        Pooler.Module.train(on);
    }

    public void Eval() => Train(false);

    public bool IsTraining => Backbone.training;

    /// <summary>Moves backbone and pooler to <paramref name="device"/> (and records it in <see cref="Config"/>).</summary>
    public void To(Device device)
    {
        Backbone.to(device);
        Pooler.Module.to(device);
        Config = Config with { Device = device.type == TorchSharp.DeviceType.CPU ? null : device.ToString() };
    }

    /// <summary>Casts the backbone (and its adapters) to float32 or bfloat16; the pooler stays float32.</summary>
    public void ToDType(ScalarType dtype)
    {
        string name = dtype switch
        {
            ScalarType.Float32 => "float32",
            ScalarType.BFloat16 => "bfloat16",
            _ => throw new ArgumentException($"dtype {dtype} is not supported (float32 or bfloat16)", nameof(dtype)),
        };
        if (Backbone.DType != dtype) Backbone.to(dtype);
        Config = Config with { DType = name };
    }

    /// <summary>Folds every LoRA adapter into its base weight (inference only; the adapters then stop training).</summary>
    public void MergeLora()
    {
        foreach (var (_, _, p) in Backbone.Projections) p.Merge();
        LoraMerged = true;
    }

    /// <summary>
    /// The embeddings [B, Dimension] (float32, L2-normalised when configured) of a token batch, with autograd (call under
    /// <c>no_grad</c> for inference). <paramref name="poolingMask"/> (1 = may be pooled) excludes e.g. instruction tokens.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? poolingMask = null)
    {
        using var scope = NewDisposeScope();
        using var output = Backbone.Forward(inputIds, attentionMask, Config.Attention);
        var pooled = Pooler.Pool(output, attentionMask, poolingMask);
        if (Config.Normalize) pooled = EmbeddingNormalization.L2(pooled);
        return pooled.MoveToOuterDisposeScope();
    }

    public Tensor Forward(TokenizedBatch batch) => Forward(batch.InputIds, batch.AttentionMask, batch.PoolingMask);

    /// <summary>The pad id used for batching: the tokenizer's pad, else its EOS, else 0 (padding is masked either way).</summary>
    public int PadId => Tokenizer?.PadId ?? Tokenizer?.EosId ?? Backbone.Config.PadTokenId ?? Backbone.Config.EosTokenId ?? 0;

    /// <summary>
    /// Tokenises one text for embedding: BOS (as the tokenizer adds it), the instruction prefix when
    /// <paramref name="instruction"/> is given, the text, then EOS; truncated to the max length keeping the final EOS.
    /// </summary>
    public TokenizedText Tokenize(string text, string? instruction = null, int? maxLength = null) =>
        EmbeddingTokenization.Tokenize(RequireTokenizer(), Config.Instruction, text, instruction, maxLength ?? Config.MaxLength);

    /// <summary>Tokenises one input: its instruction applies unless it is a document (<see cref="EmbeddingInput.EffectiveInstruction"/>).</summary>
    public TokenizedText Tokenize(EmbeddingInput input, int? maxLength = null) => Tokenize(input.Text, input.EffectiveInstruction, maxLength);

    /// <summary>
    /// Pads tokenised texts into a batch on the model's device (on <paramref name="side"/>, else the config's
    /// <see cref="EmbeddingModelConfig.PaddingSide"/>); the pooling mask leaves instruction tokens out when the config
    /// says so (<see cref="InstructionOptions.ExcludeFromPooling"/>) — the one place this is decided.
    /// </summary>
    public TokenizedBatch Collate(IReadOnlyList<TokenizedText> texts, PaddingSide? side = null) =>
        TokenizedBatch.Collate(texts, PadId, Config.Instruction.ExcludeFromPooling, side ?? Config.PaddingSide, Device);

    private IEmbeddingTokenizer RequireTokenizer() =>
        Tokenizer ?? throw new InvalidDataException("this embedding model has no tokenizer; load it with one or encode token ids");

    /// <summary>
    /// The embeddings [n, Dimension] of <paramref name="inputs"/> as one batch, with autograd (the training path; the
    /// caller chooses train/eval mode). Formats, tokenises and masks exactly as <see cref="Encode(IReadOnlyList{EmbeddingInput}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/>.
    /// </summary>
    public Tensor Forward(IReadOnlyList<EmbeddingInput> inputs, int? maxLength = null)
    {
        if (inputs.Count == 0) throw new ArgumentException("nothing to embed", nameof(inputs));
        using var batch = Collate(inputs.Select(i => Tokenize(i, maxLength)).ToList());
        return Forward(batch);
    }

    /// <summary>
    /// The library's one inference entry point: embeds <paramref name="inputs"/> under no_grad in eval mode. Texts are
    /// tokenised (instruction by role), sorted by token length (longest first), cut into batches of at most
    /// <see cref="EncodeOptions.BatchSize"/> texts and <see cref="EncodeOptions.MaxBatchTokens"/> tokens, and the
    /// results returned in input order as float32 rows of length <see cref="Dimension"/>.
    /// </summary>
    public float[][] Encode(IReadOnlyList<EmbeddingInput> inputs, EncodeOptions? options = null, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new EncodeOptions();
        int maxLength = options.MaxLength ?? Config.MaxLength;
        return Encode(inputs.Select(i => Tokenize(i, maxLength)).ToList(), options, progress, cancellationToken);
    }

    /// <summary>Plain texts: queries with <see cref="EncodeOptions.Instruction"/> when it is set, else texts without instruction.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, EncodeOptions? options = null, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new EncodeOptions();
        var role = options.Instruction is null ? TextRole.Text : TextRole.Query;
        return Encode(texts.Select(t => new EmbeddingInput(t, options.Instruction, role)).ToList(), options, progress, cancellationToken);
    }

    /// <summary>Embeds already tokenised texts (see <see cref="Encode(IReadOnlyList{EmbeddingInput}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/>).</summary>
    public float[][] Encode(IReadOnlyList<TokenizedText> inputs, EncodeOptions? options = null, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new EncodeOptions();
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "batch size must be positive");
        if (options.MaxBatchTokens is <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatchTokens, "the token budget must be positive");
        var result = new float[inputs.Count][];
        bool wasTraining = IsTraining;
        Eval();
        try
        {
            using var _ = no_grad();
            int done = 0;
            foreach (var indices in TokenBudgetBatches(inputs, options.BatchSize, options.MaxBatchTokens))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var batch = Collate(indices.Select(i => inputs[i]).ToList(), options.PaddingSide);
                var embeddings = Forward(batch).to(ScalarType.Float32).cpu().contiguous();
                var flat = embeddings.data<float>().ToArray();
                int d = (int)embeddings.shape[1];
                for (int k = 0; k < indices.Length; k++)
                {
                    result[indices[k]] = flat.AsSpan(k * d, d).ToArray();
                    // A NaN row is never handed out as an embedding: it would poison every score computed from it.
                    if (!Array.TrueForAll(result[indices[k]], float.IsFinite))
                        throw new NonFiniteEmbeddingException(indices[k], inputs[indices[k]].Ids.Count);
                }
                done += indices.Length;
                progress?.Report(new EncodeProgress(done, inputs.Count));
            }
        }
        finally
        {
            Train(wasTraining);
        }
        return result;
    }

    /// <summary>
    /// Batches of input indices, longest first (similar lengths share a batch, so little padding; an out-of-memory shows
    /// up at once): each batch holds at most <paramref name="batchSize"/> texts and, when a budget is given, at most
    /// <paramref name="maxBatchTokens"/> padded tokens (a single longer text still gets a batch of its own).
    /// </summary>
    public static IEnumerable<int[]> TokenBudgetBatches(IReadOnlyList<TokenizedText> inputs, int batchSize, int? maxBatchTokens)
    {
        var order = Enumerable.Range(0, inputs.Count).OrderByDescending(i => inputs[i].Ids.Count).ThenBy(i => i).ToArray();
        var current = new List<int>();
        int longest = 0;
        foreach (int i in order)
        {
            int length = inputs[i].Ids.Count;
            int padded = Math.Max(longest, length) * (current.Count + 1);
            if (current.Count > 0 && (current.Count == batchSize || (maxBatchTokens is { } budget && padded > budget)))
            {
                yield return current.ToArray();
                current.Clear();
                longest = 0;
            }
            current.Add(i);
            longest = Math.Max(longest, length);
        }
        if (current.Count > 0) yield return current.ToArray();
    }

    /// <summary>
    /// The <see cref="ModelFingerprint"/> of the model as it encodes now, at <paramref name="maxLength"/> tokens (the
    /// config's when null). Paths and provenance (base_model, preset, bundled_base) are left out: only what changes vectors.
    /// </summary>
    public ModelFingerprint Fingerprint(int? maxLength = null)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var config = Config with { BaseModel = null, Preset = null, BundledBase = false, Device = null, MaxLength = maxLength ?? Config.MaxLength, DType = Backbone.DType.ToString() };
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(config, EmbeddingModelConfig.JsonOptions)));
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"lora_merged={LoraMerged}\n"));
        foreach (var (name, tensor) in Backbone.named_parameters().Concat(Pooler.NamedParameters().Select(p => ("pooler." + p.Name, p.Parameter))))
        {
            using var scope = NewDisposeScope();
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name + ":" + tensor.dtype + ":" + string.Join(",", tensor.shape) + "\n"));
            var cpu = tensor.detach().cpu().contiguous();
            sha.AppendData(cpu.bytes);
        }
        return new ModelFingerprint(Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    /// <summary>
    /// Writes the model into <paramref name="dir"/>. The base weights are bundled under <c>base/</c> when asked, when
    /// there is no base path to refer to, or when the adapters have been merged (the merged weights are then the model).
    /// </summary>
    public void Save(string dir, bool bundleBase = false)
    {
        Directory.CreateDirectory(dir);
        // Full fine-tuning changed the backbone itself, so the folder must carry it.
        bool bundle = bundleBase || LoraMerged || Config.FullFineTuning || string.IsNullOrEmpty(Config.BaseModel);
        var config = Config with
        {
            BundledBase = bundle,
            BaseModel = Config.BaseModel is { Length: > 0 } b && !bundle ? Path.GetFullPath(b) : Config.BaseModel,
            Lora = LoraMerged ? Config.Lora with { Enabled = false } : Config.Lora,
        };
        if (bundle)
        {
            string baseDir = Path.Combine(dir, BundledBaseFolder);
            // The bundled backbone is the model another reader (HF transformers) would load: its config.json says
            // whether it runs bidirectionally (is_causal: false), which for this model is a property of the weights.
            Backbone.Save(baseDir, attention: Config.Attention);
            Tokenizer?.SaveTo(baseDir);
        }
        foreach (var stale in new[] { PeftLoraAdapter.ConfigFile, PeftLoraAdapter.WeightsFile, PoolerFile })
            File.Delete(Path.Combine(dir, stale));
        if (config.Lora.Enabled) PeftLoraAdapter.Save(dir, Backbone, config.Lora, config.BaseModel);
        if (Pooler.NamedParameters().Count > 0) PoolerWeights.Save(Pooler, Path.Combine(dir, PoolerFile));
        config.Save(Path.Combine(dir, EmbeddingModelConfig.FileName));
    }

    /// <summary>
    /// Loads a folder written by <see cref="Save"/>. The tokenizer comes from <paramref name="tokenizer"/> when given,
    /// else from the base folder; a base folder without tokenizer files gives a model that encodes token ids only.
    /// </summary>
    public static EmbeddingModel Load(string dir, IEmbeddingTokenizer? tokenizer = null, Device? device = null)
    {
        var config = EmbeddingModelConfig.Load(Path.Combine(dir, EmbeddingModelConfig.FileName));
        if (device is not null) config = config with { Device = device.type == TorchSharp.DeviceType.CPU ? null : device.ToString() };
        string baseDir;
        if (config.BundledBase) baseDir = Path.Combine(dir, BundledBaseFolder);
        else if (!string.IsNullOrEmpty(config.BaseModel)) baseDir = Path.IsPathRooted(config.BaseModel) ? config.BaseModel : Path.Combine(dir, config.BaseModel);
        else throw new InvalidDataException($"{Path.Combine(dir, EmbeddingModelConfig.FileName)}: neither bundled_base nor base_model is set");
        if (!Directory.Exists(baseDir)) throw new DirectoryNotFoundException($"{dir}: base model folder {baseDir} not found");
        var backbone = DecoderModel.Load(baseDir, config.ScalarType);
        tokenizer ??= TryLoadTokenizer(baseDir);
        var model = Create(config, backbone, tokenizer);
        try
        {
            if (config.Lora.Enabled)
            {
                PeftLoraAdapter.CheckConfig(dir, config.Lora);
                PeftLoraAdapter.LoadWeights(dir, backbone);
            }
            if (model.Pooler.NamedParameters().Count > 0) PoolerWeights.Load(model.Pooler, Path.Combine(dir, PoolerFile));
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    private static IEmbeddingTokenizer? TryLoadTokenizer(string dir)
    {
        try
        {
            return TextTokenizerAdapter.Load(dir);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        Backbone.Dispose();
        Pooler.Module.Dispose();
    }
}
