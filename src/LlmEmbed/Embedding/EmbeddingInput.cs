namespace LlmEmbed.Embedding;

/// <summary>
/// One text to embed, with its task instruction (null for none) and its role. The role decides whether the
/// instruction is used: documents never get one. Training, evaluation, mining, <c>embed</c> and the
/// <c>IEmbeddingGenerator</c> adapter all describe their texts this way and embed them through
/// <see cref="EmbeddingModel.Encode(IReadOnlyList{EmbeddingInput}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/>
/// (inference) or <see cref="EmbeddingModel.Forward(IReadOnlyList{EmbeddingInput}, int?)"/> (training, with autograd).
/// </summary>
public sealed record EmbeddingInput(string Text, string? Instruction = null, TextRole Role = TextRole.Text)
{
    /// <summary>The instruction that actually applies: none for documents or blank instructions.</summary>
    public string? EffectiveInstruction => Role == TextRole.Document || string.IsNullOrWhiteSpace(Instruction) ? null : Instruction;
}
