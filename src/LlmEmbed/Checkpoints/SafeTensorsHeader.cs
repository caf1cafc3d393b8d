namespace LlmEmbed.Checkpoints;

/// <summary>A validated safetensors header: the tensors, the free-form metadata and where the data area starts.</summary>
public sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorsEntry> Tensors, IReadOnlyDictionary<string, string> Metadata, long DataStart);
