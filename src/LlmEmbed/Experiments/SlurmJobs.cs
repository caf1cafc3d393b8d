using System.Text.Json;

namespace LlmEmbed.Experiments;

/// <summary>The jobs of a submitted experiment (<c>DIR/slurm/jobs.json</c>): array task i runs <c>Runs[i]</c>.</summary>
public sealed record SlurmJobs(string ArrayJobId, string MergeJobId, IReadOnlyList<string> Runs)
{
    public static SlurmJobs? Read(string output)
    {
        string path = Path.Combine(output, "slurm", SlurmSubmission.JobsFileName);
        if (!File.Exists(path)) return null;
        return JsonSerializer.Deserialize<SlurmJobs>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty");
    }

    /// <summary>
    /// The scheduler's view: for each job or array task that <c>squeue</c> (pending/running) or <c>sacct</c> (finished;
    /// needs accounting) knows, its state, keyed by "merge" or the run key. Notes say what was unavailable.
    /// </summary>
    public (IReadOnlyDictionary<string, string> States, IReadOnlyList<string> Notes) Query()
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        var notes = new List<string>();
        var (sq, sqOut, sqErr) = ExternalCommand.Run("squeue", ["-h", "-r", "-j", $"{ArrayJobId},{MergeJobId}", "-o", "%i|%T|%r"]);
        if (sq == 0) Collect(sqOut, states, withReason: true);
        else notes.Add($"squeue unavailable: {sqErr.Trim()}");
        var (sa, saOut, saErr) = ExternalCommand.Run("sacct", ["-n", "-P", "-X", "-j", $"{ArrayJobId},{MergeJobId}", "-o", "JobID,State,ExitCode"]);
        if (sa == 0) Collect(saOut, states, withReason: false);
        else notes.Add($"sacct unavailable (finished tasks are known from the stores only): {saErr.Trim()}");
        return (states, notes);
    }

    private void Collect(string lines, Dictionary<string, string> states, bool withReason)
    {
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('|');
            if (f.Length < 3) continue;
            string? key = f[0] == MergeJobId ? "merge"
                : f[0].StartsWith(ArrayJobId + "_", StringComparison.Ordinal) && int.TryParse(f[0].AsSpan(ArrayJobId.Length + 1), out int i) && i < Runs.Count ? Runs[i]
                : null;
            if (key is null || states.ContainsKey(key)) continue; // squeue (live) first; sacct fills in finished ones
            states[key] = withReason && f[2] is { Length: > 0 } r && r != "None" ? $"{f[1]} ({r})" : withReason ? f[1] : $"{f[1]} (exit {f[2]})";
        }
    }
}
