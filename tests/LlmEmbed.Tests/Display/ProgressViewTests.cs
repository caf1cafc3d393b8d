using LlmEmbed.Cli;
using LlmEmbed.Cli.Display;
using LlmEmbed.Evaluation;
using LlmEmbed.Experiments;
using LlmEmbed.Training;
using Spectre.Console;

namespace LlmEmbed.Tests.Display;

/// <summary>
/// The live view's bars for what a real run takes minutes to reach: an experiment of three arm runs, each trained and
/// evaluated on two tasks, drawn on an ANSI console (the CLI's own layout) and redrawn after each report. The plain
/// view writes the training line and stays silent where the evaluator and runner already log.
/// </summary>
public class ProgressViewTests
{
    [Fact]
    public void LiveViewDrawsArmRunsWithEtaAndANewTrainingAndEvaluationBarPerArm()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes, Interactive = InteractionSupport.Yes, ColorSystem = ColorSystemSupport.Standard, Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 160;
        var frames = new List<string>();
        CliRunner.LiveProgress(console).AutoRefresh(false).Start(context =>
        {
            var view = new LiveProgressView(context);
            var arms = view.Experiment();
            var training = view.Training("rows/s");
            var evaluation = view.Evaluation();
            string[] keys = ["alpha", "beta", "gamma"];
            for (int run = 0; run < keys.Length; run++)
            {
                TimeSpan? eta = run == 0 ? null : TimeSpan.FromSeconds(60 * (keys.Length - run));
                arms.Report(new ExperimentProgress(run, keys.Length, keys[run], "training", TimeSpan.FromSeconds(60 * run), eta));
                string prefix = $"[{run + 1}/3 {keys[run]}]";
                for (int step = 5; step <= 10; step += 5)
                    training.Report(new TrainingProgress(step, 10, 1.0 / step, 1e-3, 42.5, TimeSpan.FromSeconds(step), TimeSpan.FromSeconds(10 - step), Context: prefix));
                evaluation.Report(new EvaluationProgress(0, 2, "STS12"));
                evaluation.Report(new EvaluationProgress(1, 2, "STS12", 0.25 * (run + 1)));
                evaluation.Report(new EvaluationProgress(2, 2, "SciFact", 0.125));
                arms.Report(new ExperimentProgress(run + 1, keys.Length, keys[run], "done", TimeSpan.FromSeconds(60 * (run + 1)), TimeSpan.FromSeconds(60 * (keys.Length - run - 1))));
                context.Refresh();
                frames.Add(writer.ToString());
            }
        });
        string final = writer.ToString();

        // Nothing escapes the markup: the arm prefix "[1/3 alpha]" is text, not a Spectre style.
        Assert.Contains("[1/3 alpha] training: step 10/10, loss 0.1000, 42.5 rows/s", final);
        Assert.Contains("[3/3 gamma] training: step 10/10", final);
        Assert.Contains("evaluation: 2/2 tasks, SciFact 0.1250", final);
        // The arm bar carries the runner's ETA and ends at 3/3; after the first run it is at a third.
        Assert.Contains("arm runs: 1/3 (alpha done, ETA 00:02:00)", frames[0]);
        Assert.Contains("arm runs: 3/3 (gamma done, ETA 00:00:00)", final);
        Assert.Contains("━", final);
        Assert.Contains("\u001b[", final);
        // One training bar per arm (their prefixes differ) and a fresh evaluation bar once the last one has finished:
        // the last frame lists three training and three evaluation bars under the arm bar.
        string lastFrame = final[final.LastIndexOf("arm runs: 3/3", StringComparison.Ordinal)..];
        Assert.Equal(3, lastFrame.Split("training: step 10/10").Length - 1);
        Assert.Equal(3, lastFrame.Split("evaluation: 2/2 tasks").Length - 1);
    }

    [Fact]
    public void PlainViewWritesTrainingLinesAndEncodingTenthsOnly()
    {
        var lines = new List<string>();
        var view = new LogProgressView(lines.Add);
        view.Training("tok/s").Report(new TrainingProgress(3, 10, 2.0794, 1e-3, 1234.4, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7), Context: "[1/2 a]"));
        view.Training("tok/s").Report(new TrainingProgress(10, 10, 1.5, 1e-3, 0, TimeSpan.FromSeconds(10), null, Message: "validation loss 1.5000"));
        var encoding = view.Encoding("embedded");
        for (int done = 1; done <= 25; done++) encoding.Report(new LlmEmbed.Embedding.EncodeProgress(done, 25));
        view.Evaluation().Report(new EvaluationProgress(1, 2, "STS12", 0.5));
        view.Experiment().Report(new ExperimentProgress(1, 2, "a", "done", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));

        Assert.Equal("[1/2 a] step 3/10 (30.0%) loss 2.0794 lr 1.00E-003 1,234 tok/s, ETA 00:00:07", lines[0]);
        Assert.Equal("step 10/10: validation loss 1.5000", lines[1]);
        // 25 texts: a line when each tenth is first reached (1, 3, 5, 8, 10, 13, 15, 18, 20, 23) and at 25.
        Assert.Equal(["embedded 1/25", "embedded 3/25", "embedded 5/25", "embedded 8/25", "embedded 10/25", "embedded 13/25",
            "embedded 15/25", "embedded 18/25", "embedded 20/25", "embedded 23/25", "embedded 25/25"], lines.Skip(2));
    }
}
