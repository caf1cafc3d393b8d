using LlmEmbed.Embedding;

namespace LlmEmbed.Server;

/// <summary>
/// The server's one seam into the library: tokenising an input and encoding a batch of tokenised inputs go through
/// here and nowhere else, so a change of the library's encode API is a change of this class only. Not thread-safe:
/// only the <see cref="BatchScheduler"/>'s worker calls <see cref="Encode"/>.
/// </summary>
public sealed class ModelEncoder(EmbeddingModel model) : IBatchEncoder
{
    public EmbeddingModel Model { get; } = model;

    public int Dimension => Model.Dimension;

    /// <summary>The model's limit on tokens per text (BOS, instruction, text and EOS).</summary>
    public int MaxLength => Model.Config.MaxLength;

    public int VocabSize => Model.Backbone.Config.VocabSize;

    public int EosId => Model.Tokenizer?.EosId ?? Model.Backbone.Config.EosTokenId
        ?? throw new InvalidOperationException("the model has neither a tokenizer EOS nor a config eos_token_id");

    public bool CanTokenize => Model.Tokenizer is not null;

    /// <summary>Tokenises as <see cref="EmbeddingModel.Encode(IReadOnlyList{string}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/> does.</summary>
    public TokenizedText Tokenize(string text, string? instruction, int maxLength) => Model.Tokenize(text, instruction, maxLength);

    /// <summary>Embeds <paramref name="batch"/> in one forward pass.</summary>
    public float[][] Encode(IReadOnlyList<TokenizedText> batch) =>
        Model.Encode(batch, new EncodeOptions { BatchSize = Math.Max(1, batch.Count) });
}
