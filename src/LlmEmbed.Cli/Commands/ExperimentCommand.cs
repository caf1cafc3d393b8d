using System.CommandLine;
using LlmEmbed.Experiments;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed experiment --config FILE.yaml --output DIR</c>: train and evaluate every arm, then report.</summary>
public static class ExperimentCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "experiment YAML (docs/experiments.md)", DefaultValueFactory = _ => new FileInfo("experiments/quick.yaml") };
        var output = new Option<string>("--output") { Description = "results folder (results.sqlite, arms/, report.md, report.html); rerun to resume", DefaultValueFactory = _ => "results/quick" };
        var command = new Command("experiment", "Train every design of an experiment on the same data and seed, evaluate each on every task, and compare them with Wilcoxon tests") { config, output };
        // Ctrl+C cancels the token (the runner stops after its current step, keeping a checkpoint) instead of
        // System.CommandLine's handler, which ends the process after 2 s with no message.
        command.SetAction(parse => CliRunner.RunCancellable(cancel => RunAsync(parse, config, output, cancel).GetAwaiter().GetResult(),
            cancelledMessage: "interrupted; finished arms and scores are kept — rerun the same command to resume"));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Option<FileInfo> config, Option<string> output, CancellationToken cancel)
    {
        var file = parse.GetValue(config)!;
        var experiment = ExperimentConfig.Load(file.FullName);
        string outDir = parse.GetValue(output)!;
        var runner = new ExperimentRunner(experiment, outDir, CliRunner.Log, CliRunner.TrainingProgressReporter("rows/s"));
        var report = await runner.RunAsync(cancel);
        Console.WriteLine();
        Console.WriteLine(string.Join(Environment.NewLine, report.Comparison.Summary()));
        Console.WriteLine();
        Console.WriteLine($"Report: {Path.GetFullPath(report.MarkdownPath)}");
        Console.WriteLine($"        {Path.GetFullPath(report.HtmlPath)}");
        return 0;
    }
}
