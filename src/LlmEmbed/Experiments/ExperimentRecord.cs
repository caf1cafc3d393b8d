namespace LlmEmbed.Experiments;

/// <summary>The single row of the <c>experiment</c> table.</summary>
/// <param name="ConfigText">The experiment configuration exactly as given (e.g. YAML text).</param>
/// <param name="ConfigHash">Lower-case hex SHA-256 of the UTF-8 config text.</param>
/// <param name="SoftwareVersions">Free text / JSON describing the software stack (runtime, TorchSharp, ...).</param>
/// <param name="CreatedUtc">When the experiment was first recorded.</param>
public sealed record ExperimentRecord(string ConfigText, string ConfigHash, string SoftwareVersions, DateTimeOffset CreatedUtc);
