using LlmEmbed.Embedding;
using LlmEmbed.Evaluation;
using LlmEmbed.Experiments;
using LlmEmbed.Training;

namespace LlmEmbed.Cli.Display;

/// <summary>
/// The one place where the CLI renders the library's progress reports (training steps, encoding, evaluation tasks,
/// experiment arm runs): live Spectre.Console bars when a person watches (standard error is a terminal), plain log
/// lines when not (CI, a file). The library stays UI-free: it only reports through <see cref="IProgress{T}"/>.
/// Commands get a view from <see cref="CliRunner.WithProgress{T}"/>.
/// </summary>
public abstract class ProgressView
{
    /// <param name="rateUnit">What <see cref="TrainingProgress.TokensPerSecond"/> counts: tokens when pretraining, rows in contrastive training.</param>
    public abstract IProgress<TrainingProgress> Training(string rateUnit);

    /// <param name="label">What the bar or line says is done, e.g. "embedded".</param>
    public abstract IProgress<EncodeProgress> Encoding(string label);

    public abstract IProgress<EvaluationProgress> Evaluation();

    public abstract IProgress<ExperimentProgress> Experiment();

    /// <summary>The plain line of a training report (the live view puts the same numbers beside its bar).</summary>
    public static string TrainingLine(TrainingProgress p, string rateUnit)
    {
        string context = p.Context is { } c ? c + " " : "";
        if (p.Message != null) return $"{context}step {p.Step}/{p.TotalSteps}: {p.Message}";
        string eta = p.Remaining is { } r ? $", ETA {r:hh\\:mm\\:ss}" : "";
        double pct = 100.0 * p.Step / Math.Max(1, p.TotalSteps);
        return $"{context}step {p.Step}/{p.TotalSteps} ({pct:F1}%) loss {p.Loss:F4} lr {p.LearningRate:E2} {Rate(p.TokensPerSecond)} {rateUnit}{eta}";
    }

    protected static string Rate(double perSecond) => perSecond >= 100 ? perSecond.ToString("N0") : perSecond.ToString("F1");

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool and reorder lines).</summary>
    protected sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
