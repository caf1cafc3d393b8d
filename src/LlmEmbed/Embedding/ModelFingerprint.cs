namespace LlmEmbed.Embedding;

/// <summary>
/// A SHA-256 (hex) of everything that decides a model's vectors: its config as used (dtype, max length, pooler,
/// attention, instruction format, normalisation) and every weight, base and adapter and pooler alike. Two models
/// with the same fingerprint embed every text identically, whatever their folders are called.
/// </summary>
public sealed record ModelFingerprint(string Value);
