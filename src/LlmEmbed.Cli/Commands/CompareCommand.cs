using System.CommandLine;
using LlmEmbed.Experiments;

namespace LlmEmbed.Cli.Commands;

/// <summary>
/// <c>llm-embed compare DIR_A DIR_B [...] --output DIR</c>: compares result folders with the same per-category
/// Wilcoxon analysis and report as an experiment. A folder is an experiment output (results.sqlite: each arm is
/// compared, named <c>folder/arm</c>) or an <c>llm-embed evaluate</c> output (MTEB JSON files: one arm named after the folder).
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var folders = new Argument<string[]>("folders") { Description = "two or more result folders", Arity = new ArgumentArity(2, 100) };
        var output = new Option<string>("--output") { Description = "where report.md / report.html go", DefaultValueFactory = _ => "results/compare" };
        var command = new Command("compare", "Compare result folders with per-category Wilcoxon signed-rank tests") { folders, output };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var scores = ResultFolders.ReadScores(parse.GetValue(folders)!);
            var report = ExperimentReport.Write(parse.GetValue(output)!, scores, [], "LlmEmbed comparison");
            Console.WriteLine(string.Join(Environment.NewLine, report.Comparison.Summary()));
            Console.WriteLine($"Report: {Path.GetFullPath(report.MarkdownPath)}");
            return 0;
        }));
        return command;
    }
}
