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
        command.SetAction((parse, cancel) => CliRunner.RunAsync(async () =>
        {
            var file = parse.GetValue(config)!;
            var experiment = ExperimentConfig.Load(file.FullName);
            experiment.Evaluation.Data = DataRoot.Resolve(experiment.Evaluation.Data); // the workspace default is the CLI's, not the library's
            string outDir = parse.GetValue(output)!;
            var runner = new ExperimentRunner(experiment, outDir, CliRunner.Log, CliRunner.TrainingProgressReporter("rows/s"));
            var report = await runner.RunAsync(cancel);
            Console.WriteLine();
            Console.WriteLine(string.Join(Environment.NewLine, report.Comparison.Summary()));
            Console.WriteLine();
            Console.WriteLine($"Report: {Path.GetFullPath(report.MarkdownPath)}");
            Console.WriteLine($"        {Path.GetFullPath(report.HtmlPath)}");
            return 0;
        }));
        return command;
    }
}
