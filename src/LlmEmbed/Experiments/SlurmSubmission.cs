using System.Text;
using System.Text.Json;

namespace LlmEmbed.Experiments;

/// <summary>
/// Runs an experiment on a Slurm cluster: one <c>sbatch</c> array job with one task per arm run (arm, seed) —
/// <c>SLURM_ARRAY_TASK_ID</c> indexes <see cref="ExperimentRunner.Runs"/> — each running
/// <c>llm-embed experiment --arm A --seed S</c> into its own folder, and a merge job that starts when every task has
/// succeeded (<c>--dependency=afterok</c>). Tasks are requeueable; a requeued task resumes from its newest checkpoint.
/// Files: <c>DIR/experiment.yaml</c> (the experiment, copied so that later edits of the original cannot mix configs),
/// <c>DIR/slurm/array.sbatch</c>, <c>DIR/slurm/merge.sbatch</c>, <c>DIR/slurm/jobs.json</c> (the job ids),
/// <c>DIR/logs/</c> (one log per task and one for the merge).
/// </summary>
public sealed class SlurmSubmission
{
    public const string ArrayScriptName = "array.sbatch";
    public const string MergeScriptName = "merge.sbatch";
    public const string JobsFileName = "jobs.json";

    private readonly ExperimentConfig config;
    private readonly string output;
    private readonly SlurmOptions options;
    private readonly string workingDirectory;

    /// <param name="output">The experiment folder; it must be on a file system every node sees at the same path.</param>
    /// <param name="workingDirectory">Where the jobs run (relative paths in the experiment file resolve from there); default: the current folder.</param>
    public SlurmSubmission(ExperimentConfig config, string output, SlurmOptions? options = null, string? workingDirectory = null)
    {
        this.config = config;
        this.output = Path.GetFullPath(output);
        this.options = options ?? new SlurmOptions();
        this.workingDirectory = Path.GetFullPath(workingDirectory ?? Environment.CurrentDirectory);
        if (this.options.CpusPerTask is < 1) throw new ArgumentException($"--cpus-per-task must be >= 1 (got {this.options.CpusPerTask})");
    }

    public string SlurmFolder => Path.Combine(output, "slurm");
    public string LogFolder => Path.Combine(output, "logs");
    public string ConfigCopy => Path.Combine(output, ExperimentMerge.ConfigCopyFileName);

    /// <summary>The array job's script: one task per (arm, seed).</summary>
    public string ArrayScript()
    {
        var runs = new ExperimentRunner(config, output).Runs;
        var sb = Header($"llm-embed-{JobName}", $"{Path.Combine(LogFolder, JobName)}-%A_%a.log");
        sb.Append("#SBATCH --array=0-").Append(runs.Count - 1).Append('\n');
        if (options.CpusPerTask is { } cpus) sb.Append("#SBATCH --cpus-per-task=").Append(cpus).Append('\n');
        if (options.Gres is { } gres) sb.Append("#SBATCH --gres=").Append(gres).Append('\n');
        // A preempted or failed-node task goes back to the queue and resumes from its checkpoints (append keeps the earlier log).
        sb.Append("#SBATCH --requeue\n#SBATCH --open-mode=append\n");
        sb.Append($"""

            # One task per arm run, in the experiment's order (seeds outer, arms inner): {runs.Count} run(s).
            # Each writes only under {Quote(Path.Combine(output, "arms"))}/KEY/; only the merge job writes results.sqlite.
            set -euo pipefail
            ARMS=({string.Join(" ", runs.Select(r => Quote(r.Arm.ResolvedName)))})
            SEEDS=({string.Join(" ", runs.Select(r => r.Seed))})
            i=${"{"}SLURM_ARRAY_TASK_ID:?this script runs as a Slurm array task{"}"}
            export OMP_NUM_THREADS=${"{"}OMP_NUM_THREADS:-${"{"}SLURM_CPUS_PER_TASK:-1{"}"}{"}"}
            echo "$(date -u +%FT%TZ) task $i (job ${"{"}SLURM_JOB_ID:-?{"}"}, restart ${"{"}SLURM_RESTART_COUNT:-0{"}"}) on $(hostname): arm ${"{"}ARMS[$i]{"}"}, seed ${"{"}SEEDS[$i]{"}"}"
            exec {Launcher} experiment --config {Quote(ConfigCopy)} --output {Quote(output)} --arm "${"{"}ARMS[$i]{"}"}" --seed "${"{"}SEEDS[$i]{"}"}"

            """);
        return sb.ToString();
    }

    /// <summary>The merge job's script (submitted with a dependency on the whole array).</summary>
    public string MergeScript()
    {
        var sb = Header($"llm-embed-{JobName}-merge", $"{Path.Combine(LogFolder, JobName)}-merge-%j.log");
        sb.Append("#SBATCH --cpus-per-task=1\n");
        sb.Append($"""

            set -euo pipefail
            export OMP_NUM_THREADS=1
            exec {Launcher} experiment merge --output {Quote(output)}

            """);
        return sb.ToString();
    }

    private StringBuilder Header(string jobName, string logPattern)
    {
        var sb = new StringBuilder("#!/bin/bash\n");
        sb.Append("#SBATCH --job-name=").Append(jobName).Append('\n');
        sb.Append("#SBATCH --output=").Append(logPattern).Append('\n');
        sb.Append("#SBATCH --chdir=").Append(workingDirectory).Append('\n');
        if (options.Partition is { } p) sb.Append("#SBATCH --partition=").Append(p).Append('\n');
        if (options.Time is { } t) sb.Append("#SBATCH --time=").Append(t).Append('\n');
        return sb;
    }

    private string JobName => new(config.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());

    /// <summary>The llm-embed command line for the nodes: <see cref="SlurmOptions.Launcher"/>, else this process.</summary>
    public string Launcher => options.Launcher ?? DefaultLauncher();

    private static string DefaultLauncher()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell how llm-embed was started; pass --launcher");
        // Under `dotnet llm-embed.dll` (or `dotnet test`) the process is the dotnet host: name the CLI assembly.
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "llm-embed.dll");
            if (!File.Exists(dll)) throw new InvalidOperationException($"cannot find the llm-embed CLI beside {AppContext.BaseDirectory}; pass --launcher");
            return $"{Quote(process)} {Quote(dll)}";
        }
        return Quote(process);
    }

    /// <summary>Writes the experiment copy and both scripts (nothing is submitted).</summary>
    public (string ArrayScriptPath, string MergeScriptPath) WriteScripts()
    {
        if (File.Exists(ConfigCopy) && File.ReadAllText(ConfigCopy) != config.SourceText)
            throw new InvalidOperationException($"{ConfigCopy} holds another experiment; use a new output folder (or move it away)");
        Directory.CreateDirectory(SlurmFolder);
        Directory.CreateDirectory(LogFolder);
        WriteAtomically(ConfigCopy, config.SourceText);
        string array = Path.Combine(SlurmFolder, ArrayScriptName), merge = Path.Combine(SlurmFolder, MergeScriptName);
        WriteAtomically(array, ArrayScript());
        WriteAtomically(merge, MergeScript());
        return (array, merge);
    }

    /// <summary>Writes the files, submits the array with <c>sbatch --parsable</c> and the merge with a dependency on it, and records both ids.</summary>
    public SlurmJobs Submit(Action<string>? log = null)
    {
        log ??= _ => { };
        var (array, merge) = WriteScripts();
        string arrayId = Sbatch(array);
        log($"submitted array job {arrayId} ({new ExperimentRunner(config, output).Runs.Count} task(s)); logs in {LogFolder}");
        string mergeId = Sbatch(merge, $"--dependency=afterok:{arrayId}", "--kill-on-invalid-dep=yes");
        log($"submitted merge job {mergeId} (starts when every task of {arrayId} has succeeded)");
        var jobs = new SlurmJobs(arrayId, mergeId, new ExperimentRunner(config, output).Runs.Select(r => r.Key).ToList());
        WriteAtomically(Path.Combine(SlurmFolder, JobsFileName), JsonSerializer.Serialize(jobs, new JsonSerializerOptions { WriteIndented = true }));
        return jobs;
    }

    private static string Sbatch(string script, params string[] extra)
    {
        var (exit, stdout, stderr) = ExternalCommand.Run("sbatch", ["--parsable", .. extra, script]);
        if (exit != 0) throw new InvalidOperationException($"sbatch {Path.GetFileName(script)} failed (exit {exit}): {stderr.Trim()}");
        // --parsable prints "jobid" or "jobid;cluster".
        string id = stdout.Trim().Split(';')[0];
        if (id.Length == 0 || !id.All(char.IsAsciiDigit)) throw new InvalidOperationException($"sbatch printed no job id: '{stdout.Trim()}'");
        return id;
    }

    /// <summary>Single-quotes a word for bash.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:=@,".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    private static void WriteAtomically(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }
}
