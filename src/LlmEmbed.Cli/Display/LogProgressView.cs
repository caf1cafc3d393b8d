using LlmEmbed.Embedding;
using LlmEmbed.Evaluation;
using LlmEmbed.Experiments;
using LlmEmbed.Training;

namespace LlmEmbed.Cli.Display;

/// <summary>
/// Progress as plain timestamped log lines, for standard error that is not a terminal (CI logs, files): no cursor
/// movement, no colour. Evaluation tasks and arm runs need no lines of their own: the evaluator and the experiment
/// runner already log each task's score and each run's end with its ETA.
/// </summary>
internal sealed class LogProgressView(Action<string> log) : ProgressView
{
    public override IProgress<TrainingProgress> Training(string rateUnit) => new Reporter<TrainingProgress>(p => log(TrainingLine(p, rateUnit)));

    /// <summary>A line at every tenth of the input (and at the end), not one per batch.</summary>
    public override IProgress<EncodeProgress> Encoding(string label)
    {
        int lastTenth = -1;
        return new Reporter<EncodeProgress>(p =>
        {
            int tenth = p.Total == 0 ? 10 : 10 * p.Done / p.Total;
            if (tenth == lastTenth) return;
            lastTenth = tenth;
            log($"{label} {p.Done}/{p.Total}");
        });
    }

    public override IProgress<EvaluationProgress> Evaluation() => new Reporter<EvaluationProgress>(_ => { });

    public override IProgress<ExperimentProgress> Experiment() => new Reporter<ExperimentProgress>(_ => { });
}
