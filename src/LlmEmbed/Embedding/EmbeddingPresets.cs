using LlmEmbed.Models;
using LlmEmbed.Pooling;

namespace LlmEmbed.Embedding;

/// <summary>
/// The study's pooling × attention designs by name (a design: pooler kind, pooler input and attention; everything
/// else comes from the recipe). docs/experiments.md tabulates each against the reference code. One more preset is a
/// deployed model family's conventions rather than a study design: <c>qwen3-embedding</c> (see <see cref="Qwen3EmbeddingTemplate"/>).
/// </summary>
public static class EmbeddingPresets
{
    public static readonly IReadOnlyList<string> Names =
    [
        "eos-causal", "latent-eos-causal", "latent-causal", "multilayer-causal",
        "eos-bidirectional", "mean-bidirectional", "latent-bidirectional", "multilayer-bidirectional",
        "qwen3-embedding",
    ];

    /// <summary>
    /// Qwen3-Embedding's query format, <c>f'Instruct: {task_description}\nQuery:{query}'</c> — note: no space after
    /// <c>Query:</c>, unlike E5-Mistral's default. Documents get no instruction (as every document here).
    /// </summary>
    public const string Qwen3EmbeddingTemplate = "Instruct: {instruction}\nQuery:{text}";

    /// <summary>The config of preset <paramref name="name"/> for the base model at <paramref name="baseModel"/>.</summary>
    public static EmbeddingModelConfig Get(string name, string? baseModel = null)
    {
        var (kind, input, mode) = name.Trim().ToLowerInvariant() switch
        {
            "eos-causal" => (PoolerKind.Eos, PoolerInput.AllTokens, AttentionMode.Causal),                       // reference design 1
            "latent-eos-causal" => (PoolerKind.LatentAttention, PoolerInput.Eos, AttentionMode.Causal),          // reference design 2
            "latent-causal" => (PoolerKind.LatentAttention, PoolerInput.AllTokens, AttentionMode.Causal),        // our variant of design 2
            "multilayer-causal" => (PoolerKind.MultiLayer, PoolerInput.AllTokens, AttentionMode.Causal),         // reference design 3
            "eos-bidirectional" => (PoolerKind.Eos, PoolerInput.AllTokens, AttentionMode.Bidirectional),
            "mean-bidirectional" => (PoolerKind.Mean, PoolerInput.AllTokens, AttentionMode.Bidirectional),       // LLM2Vec
            "latent-bidirectional" => (PoolerKind.LatentAttention, PoolerInput.AllTokens, AttentionMode.Bidirectional), // reference design 4
            "multilayer-bidirectional" => (PoolerKind.MultiLayer, PoolerInput.AllTokens, AttentionMode.Bidirectional),  // reference design 5
            "qwen3-embedding" => (PoolerKind.Eos, PoolerInput.AllTokens, AttentionMode.Causal),                  // Qwen3-Embedding's last-token pooling
            _ => throw new ArgumentException($"unknown embedding preset '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
        };
        var config = new EmbeddingModelConfig
        {
            Preset = name.Trim().ToLowerInvariant(),
            BaseModel = baseModel,
            Attention = mode,
            Pooler = input == PoolerInput.Eos ? new PoolerOptions { Kind = kind, Input = input } : new PoolerOptions { Kind = kind },
        };
        // Qwen3-Embedding (Qwen3-Embedding-0.6B/4B/8B model cards): the last token's state of a causal Qwen3 over
        // left-padded batches — the <|endoftext|> its tokenizer appends; here the appended token is the tokenizer's EOS,
        // which must be that one (docs/embedding.md) — queries as "Instruct: {task}\nQuery:{query}", documents plain.
        // Left padding changes no vector here (positions count real tokens); it shapes batches as the reference does.
        if (config.Preset == "qwen3-embedding")
            config = config with { Instruction = new InstructionOptions { Template = Qwen3EmbeddingTemplate }, PaddingSideSetting = PaddingSide.Left };
        return config;
    }
}
