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

    /// <summary>The HF config for a fresh model; vocabulary and special ids come from the tokenizer.</summary>
    public DecoderConfig ToConfig(int vocabSize, int? bos, int? eos) => new()
    {
        ModelType = ModelType,
        Architectures = [ModelType == "qwen2" ? "Qwen2ForCausalLM" : ModelType == "mistral" ? "MistralForCausalLM" : "LlamaForCausalLM"],
        VocabSize = vocabSize,
        HiddenSize = HiddenSize,
        NumHiddenLayers = NumHiddenLayers,
        IntermediateSize = IntermediateSize,
        NumAttentionHeads = NumAttentionHeads,
        NumKeyValueHeadsRaw = NumKeyValueHeads,
        MaxPositionEmbeddings = MaxPositionEmbeddings,
        RopeTheta = RopeTheta,
        RmsNormEps = RmsNormEps,
        TieWordEmbeddings = TieWordEmbeddings,
        BosTokenId = bos,
        EosTokenIdRaw = eos is { } e ? System.Text.Json.JsonDocument.Parse(e.ToString()).RootElement.Clone() : null,
    };
}
