namespace LlmEmbed.Experiments;

/// <summary>What <see cref="ExperimentMerge.Merge"/> did.</summary>
/// <param name="DatabasePath">The merged <c>results.sqlite</c>.</param>
/// <param name="Merged">Run keys merged.</param>
/// <param name="Incomplete">Runs left out (only with allowIncomplete), each "KEY: reason".</param>
/// <param name="Report">The report written from the merged database.</param>
public sealed record ExperimentMergeResult(string DatabasePath, IReadOnlyList<string> Merged, IReadOnlyList<string> Incomplete, ExperimentReportFiles Report);
