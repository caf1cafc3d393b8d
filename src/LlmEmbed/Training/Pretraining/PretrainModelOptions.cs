using LlmEmbed.Models;

namespace LlmEmbed.Training.Pretraining;

/// <summary>The model to pretrain: a fresh architecture, or an existing HF folder to continue from.</summary>
public sealed class PretrainModelOptions
{
    /// <summary>Continue pretraining this HF model folder instead of starting from random weights.</summary>
    public string? InitFrom { get; set; }

    public string ModelType { get; set; } = "llama";
    public int HiddenSize { get; set; } = 384;
    public int NumHiddenLayers { get; set; } = 6;
    public int IntermediateSize { get; set; } = 1024;
    public int NumAttentionHeads { get; set; } = 6;
    public int NumKeyValueHeads { get; set; } = 2;
    public int MaxPositionEmbeddings { get; set; } = 1024;
    public double RopeTheta { get; set; } = 10000;
    public double RmsNormEps { get; set; } = 1e-5;
    public bool TieWordEmbeddings { get; set; } = true;
    public double InitStd { get; set; } = 0.02;

    /// <summary>Adds a message naming the option (model.*) for every value a fresh model cannot be built with.</summary>
    internal void Validate(Action<bool, string> check)
    {
        check(ModelType is "llama" or "mistral" or "qwen2" or "qwen3", $"model.model_type must be llama, mistral, qwen2 or qwen3 (got '{ModelType}')");
        check(HiddenSize >= 1, $"model.hidden_size must be >= 1 (got {HiddenSize})");
        check(NumHiddenLayers >= 1, $"model.num_hidden_layers must be >= 1 (got {NumHiddenLayers})");
        check(IntermediateSize >= 1, $"model.intermediate_size must be >= 1 (got {IntermediateSize})");
        check(MaxPositionEmbeddings >= 1, $"model.max_position_embeddings must be >= 1 (got {MaxPositionEmbeddings})");
        check(NumAttentionHeads >= 1 && HiddenSize % NumAttentionHeads == 0 && HiddenSize / NumAttentionHeads % 2 == 0,
            $"model.num_attention_heads ({NumAttentionHeads}) must divide model.hidden_size ({HiddenSize}) into an even head size (rotary embeddings)");
        check(NumKeyValueHeads >= 1 && NumAttentionHeads % Math.Max(1, NumKeyValueHeads) == 0,
            $"model.num_key_value_heads ({NumKeyValueHeads}) must divide model.num_attention_heads ({NumAttentionHeads})");
        check(RopeTheta > 0, $"model.rope_theta must be positive (got {RopeTheta})");
        check(RmsNormEps > 0, $"model.rms_norm_eps must be positive (got {RmsNormEps})");
        check(InitStd > 0 && double.IsFinite(InitStd), $"model.init_std must be positive (got {InitStd})");
    }

    /// <summary>The HF config for a fresh model; vocabulary and special ids come from the tokenizer.</summary>
    public DecoderConfig ToConfig(int vocabSize, int? bos, int? eos) => new()
    {
        ModelType = ModelType,
        Architectures = [ModelType switch { "qwen2" => "Qwen2ForCausalLM", "qwen3" => "Qwen3ForCausalLM", "mistral" => "MistralForCausalLM", _ => "LlamaForCausalLM" }],
        VocabSize = vocabSize,
        HiddenSize = HiddenSize,
        NumHiddenLayers = NumHiddenLayers,
        IntermediateSize = IntermediateSize,
        NumAttentionHeads = NumAttentionHeads,
        NumKeyValueHeadsRaw = NumKeyValueHeads,
        // Qwen3's default head_dim is 128, not hidden / heads: write it explicitly (the others keep their usual config).
        HeadDimRaw = ModelType == "qwen3" ? HiddenSize / Math.Max(1, NumAttentionHeads) : null,
        MaxPositionEmbeddings = MaxPositionEmbeddings,
        RopeTheta = RopeTheta,
        RmsNormEps = RmsNormEps,
        TieWordEmbeddings = TieWordEmbeddings,
        BosTokenId = bos,
        EosTokenIdRaw = eos is { } e ? System.Text.Json.JsonDocument.Parse(e.ToString()).RootElement.Clone() : null,
    };
}
