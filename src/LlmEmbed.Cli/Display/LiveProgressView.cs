using LlmEmbed.Embedding;
using LlmEmbed.Evaluation;
using LlmEmbed.Experiments;
using LlmEmbed.Training;
using Spectre.Console;

namespace LlmEmbed.Cli.Display;

/// <summary>
/// Progress as live Spectre.Console bars on a terminal: one bar per training run (step, loss, rate), per encoding,
/// per evaluation (tasks) and one over an experiment's arm runs with its ETA. Spectre redraws the bars on its own
/// thread; log lines written through the same console (<see cref="CliRunner.Log"/>) appear above them.
/// </summary>
internal sealed class LiveProgressView(ProgressContext context) : ProgressView
{
    private readonly Dictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>The bar under <paramref name="key"/>, started anew when the last one under that key has finished.</summary>
    private ProgressTask Bar(string key, string description, double total, double value)
    {
        lock (gate)
        {
            if (!tasks.TryGetValue(key, out var task) || task.IsFinished || value < task.Value)
            {
                task?.StopTask();
                tasks[key] = task = context.AddTask(description, maxValue: Math.Max(total, 1));
            }
            task.Description = description;
            task.MaxValue = Math.Max(total, 1);
            task.Value = value;
            if (value >= total) task.StopTask();
            return task;
        }
    }

    public override IProgress<TrainingProgress> Training(string rateUnit) => new Reporter<TrainingProgress>(p =>
    {
        if (p.Message != null) { CliRunner.Log(TrainingLine(p, rateUnit)); return; }
        string run = p.Context is { } c ? c + " " : "";
        Bar("training " + run, Markup.Escape($"{run}training: step {p.Step}/{p.TotalSteps}, loss {p.Loss:F4}, {Rate(p.TokensPerSecond)} {rateUnit}"),
            p.TotalSteps, p.Step);
    });

    public override IProgress<EncodeProgress> Encoding(string label) => new Reporter<EncodeProgress>(p =>
        Bar("encoding " + label, Markup.Escape($"{label} {p.Done}/{p.Total}"), p.Total, p.Done));

    public override IProgress<EvaluationProgress> Evaluation() => new Reporter<EvaluationProgress>(p =>
        Bar("evaluation", Markup.Escape(p.MainScore is { } score
            ? $"evaluation: {p.Done}/{p.Total} tasks, {p.Task} {score:F4}"
            : $"evaluation: {p.Done}/{p.Total} tasks, {p.Task}…"), p.Total, p.Done));

    public override IProgress<ExperimentProgress> Experiment() => new Reporter<ExperimentProgress>(p =>
    {
        string eta = p.Remaining is { } r ? $", ETA {r:hh\\:mm\\:ss}" : "";
        Bar("arms", Markup.Escape($"arm runs: {p.Done}/{p.Total} ({p.Run} {p.Phase}{eta})"), p.Total, p.Done);
    });
}
