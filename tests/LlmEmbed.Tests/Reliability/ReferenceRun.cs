namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// An uninterrupted CLI run: its config and output folder, how long it took to its first checkpoint, and the time per
/// step between its first and last checkpoint (of the first checkpoint folder it writes).
/// </summary>
public sealed record ReferenceRun(string Config, string Output, TimeSpan UntilFirstCheckpoint, TimeSpan PerStep);
