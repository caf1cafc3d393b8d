namespace LlmEmbed.Embedding;

/// <summary>One text's token ids (ending with EOS) and how many leading tokens belong to the instruction.</summary>
public sealed record TokenizedText(IReadOnlyList<int> Ids, int InstructionLength);
