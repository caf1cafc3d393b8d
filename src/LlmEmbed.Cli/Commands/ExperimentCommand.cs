using System.CommandLine;
using LlmEmbed.Experiments;

namespace LlmEmbed.Cli.Commands;

/// <summary>
/// <c>llm-embed experiment --config FILE.yaml --output DIR [--arm NAME [--seed N]]</c>: train and evaluate every arm
/// (or exactly one arm run), then report; subcommands <c>merge</c>, <c>submit</c> (Slurm) and <c>status</c> (docs/scale-out.md).
/// </summary>
public static class ExperimentCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "experiment YAML (docs/experiments.md)", DefaultValueFactory = _ => new FileInfo("experiments/quick.yaml") };
        var output = new Option<string>("--output") { Description = "results folder (results.sqlite, arms/, report.md, report.html); rerun to resume", DefaultValueFactory = _ => "results/quick" };
        var arm = new Option<string?>("--arm") { Description = "run only this arm (one seed) into DIR/arms/KEY/, for running arms on different machines; `experiment merge` combines them" };
        var seed = new Option<long?>("--seed") { Description = "with --arm: which of the experiment's seeds (needed when it lists several)" };
        var command = new Command("experiment", "Train every design of an experiment on the same data and seed, evaluate each on every task, and compare them with Wilcoxon tests")
        {
            config, output, arm, seed,
            MergeCommand(), SubmitCommand(), StatusCommand(),
        };
        // Ctrl+C cancels the token (the runner stops after its current step, keeping a checkpoint) instead of
        // System.CommandLine's handler, which ends the process after 2 s with no message.
        command.SetAction(parse => CliRunner.RunCancellable(cancel => RunAsync(parse, config, output, arm, seed, cancel).GetAwaiter().GetResult(),
            cancelledMessage: "interrupted; finished arms and scores are kept — rerun the same command to resume"));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Option<FileInfo> config, Option<string> output, Option<string?> arm, Option<long?> seed, CancellationToken cancel)
    {
        var experiment = ExperimentConfig.Load(parse.GetValue(config)!.FullName);
        experiment.Evaluation.Data = DataRoot.Resolve(experiment.Evaluation.Data); // the workspace default is the CLI's, not the library's
        string outDir = parse.GetValue(output)!;
        if (parse.GetValue(arm) is null && parse.GetValue(seed) is not null)
            throw new ArgumentException("--seed needs --arm (a full run covers every seed of the experiment)");
        var report = await CliRunner.WithProgressAsync<ExperimentReportFiles?>(async view =>
        {
            var runner = new ExperimentRunner(experiment, outDir, CliRunner.Log, view.Training("rows/s"))
            {
                Progress = view.Experiment(),
                TaskProgress = view.Evaluation(),
            };
            if (parse.GetValue(arm) is not { } armName) return await runner.RunAsync(cancel);
            await runner.RunArmAsync(armName, parse.GetValue(seed), cancel);
            return null;
        });
        if (report is null) CliRunner.Log($"arm run done; combine the runs with `llm-embed experiment merge --output {outDir}`");
        else PrintReport(report);
        return 0;
    }

    private static void PrintReport(ExperimentReportFiles report)
    {
        Console.WriteLine();
        Console.WriteLine(string.Join(Environment.NewLine, report.Comparison.Summary()));
        Console.WriteLine();
        Console.WriteLine($"Report: {Path.GetFullPath(report.MarkdownPath)}");
        Console.WriteLine($"        {Path.GetFullPath(report.HtmlPath)}");
    }

    private static Command MergeCommand()
    {
        var output = new Option<string>("--output") { Description = "the experiment folder whose arms/*/ runs are merged", Required = true };
        var config = new Option<FileInfo?>("--config") { Description = "the experiment the runs must belong to (default: DIR/experiment.yaml, else the config the runs recorded)" };
        var allowIncomplete = new Option<bool>("--allow-incomplete") { Description = "merge the complete runs even when others are missing or failed (they are listed)" };
        var command = new Command("merge", "Combine the per-arm stores of an experiment folder into results.sqlite and write the report") { output, config, allowIncomplete };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var expected = parse.GetValue(config) is { } f ? ExperimentConfig.Load(f.FullName) : null;
            // The merge writes results.sqlite and the report: one writer at a time, as for a local run.
            using var folderLock = LlmEmbed.IO.FolderLock.Acquire(parse.GetValue(output)!, "llm-embed experiment merge", log: CliRunner.Log);
            var result = ExperimentMerge.Merge(parse.GetValue(output)!, expected, parse.GetValue(allowIncomplete), CliRunner.Log, DataRoot.Resolve(expected?.Evaluation.Data));
            foreach (var missing in result.Incomplete) CliRunner.Log($"not merged: {missing}");
            PrintReport(result.Report);
            return 0;
        }));
        return command;
    }

    private static Command SubmitCommand()
    {
        var config = new Option<FileInfo>("--config") { Description = "experiment YAML", Required = true };
        var output = new Option<string>("--output") { Description = "experiment folder, on a file system every node sees at the same path", Required = true };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition" };
        var time = new Option<string?>("--time") { Description = "time limit per arm run (sbatch --time, e.g. 4:00:00)" };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "CPUs per arm run (also its OMP_NUM_THREADS)" };
        var gres = new Option<string?>("--gres") { Description = "generic resources per arm run, e.g. gpu:1" };
        var launcher = new Option<string?>("--launcher") { Description = "how the nodes start llm-embed (default: the way it was started here)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the two sbatch scripts and submit nothing" };
        var command = new Command("submit", "Run an experiment on Slurm: one array task per (arm, seed), then a dependent merge job")
        {
            config, output, partition, time, cpus, gres, launcher, dryRun,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var experiment = ExperimentConfig.Load(parse.GetValue(config)!.FullName);
            var options = new SlurmOptions
            {
                Partition = parse.GetValue(partition), Time = parse.GetValue(time), CpusPerTask = parse.GetValue(cpus),
                Gres = parse.GetValue(gres), Launcher = parse.GetValue(launcher),
            };
            var submission = new SlurmSubmission(experiment, parse.GetValue(output)!, options);
            if (parse.GetValue(dryRun))
            {
                Console.WriteLine($"# {SlurmSubmission.ArrayScriptName}: sbatch --parsable {SlurmSubmission.ArrayScriptName}");
                Console.Write(submission.ArrayScript());
                Console.WriteLine($"# {SlurmSubmission.MergeScriptName}: sbatch --parsable --dependency=afterok:<array job id> --kill-on-invalid-dep=yes {SlurmSubmission.MergeScriptName}");
                Console.Write(submission.MergeScript());
                return 0;
            }
            var jobs = submission.Submit(CliRunner.Log);
            Console.WriteLine($"array job {jobs.ArrayJobId} ({jobs.Runs.Count} tasks), merge job {jobs.MergeJobId}");
            Console.WriteLine($"follow it with: llm-embed experiment status {parse.GetValue(output)}");
            return 0;
        }));
        return command;
    }

    private static Command StatusCommand()
    {
        var folder = new Argument<string>("folder") { Description = "the experiment folder" };
        var command = new Command("status", "Show each arm run's state (from its store, and from squeue/sacct after `experiment submit`)") { folder };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string dir = parse.GetValue(folder)!;
            var state = ExperimentState.Read(dir);
            var jobs = SlurmJobs.Read(dir);
            var (scheduler, notes) = jobs?.Query() ?? (new Dictionary<string, string>(), []);
            int width = state.Runs.Max(r => r.Key.Length);
            foreach (var run in state.Runs)
            {
                string slurm = scheduler.TryGetValue(run.Key, out var s) ? $"  [slurm: {s}]" : "";
                Console.WriteLine($"{run.Key.PadRight(width)}  {run.Describe()}{slurm}");
            }
            if (jobs != null)
                Console.WriteLine($"merge job {jobs.MergeJobId}: {(scheduler.TryGetValue("merge", out var m) ? m : "not in squeue/sacct (finished, or never ran)")}");
            bool merged = File.Exists(Path.Combine(dir, ResultsStore.DefaultFileName));
            Console.WriteLine($"{state.Runs.Count(r => r.State == RunState.Done)}/{state.Runs.Count} arm runs done; results.sqlite {(merged ? "written" : "not written yet")}");
            foreach (var note in notes) CliRunner.Log(note);
            return 0;
        }));
        return command;
    }
}
