using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Training;

/// <summary>
/// The one training-loop skeleton shared by pretraining and contrastive training. The caller supplies what differs
/// (how a step's gradients are computed, how a checkpoint is written, what else to log); the loop owns what must
/// not drift apart: step numbering (a step is numbered 1.. as it completes; a failure names the step being taken),
/// the learning-rate schedule, the divergence guard (a non-finite loss or gradient norm refused before any weight
/// changes, diverged weights refused after the update, so never checkpointed), the metrics log and progress cadence,
/// the elapsed time across resumed segments, and on cancellation a checkpoint of the last completed step.
/// </summary>
public sealed class TrainingLoop
{
    /// <summary>What one step's gradient computation reports: loss, gradient norm (before clipping), units processed (rows or tokens) and extra metrics.</summary>
    public sealed record StepResult(double Loss, double GradNorm, long Units, IReadOnlyDictionary<string, object?>? Metrics = null);

    public required long MaxSteps { get; init; }
    public required int LogEvery { get; init; }
    public required int CheckpointEvery { get; init; }
    public required LearningRateSchedule Schedule { get; init; }
    public required MetricsLog Metrics { get; init; }

    /// <summary>The trainable parameters by name (checked by <see cref="Guard"/> after every update).</summary>
    public required IReadOnlyList<(string Name, Tensor Parameter)> Parameters { get; init; }

    /// <summary>Refuses a non-finite loss or gradient before the update, and diverged weights after it.</summary>
    public DivergenceGuard Guard { get; init; } = new();

    /// <summary>Metrics key of the throughput (<c>tokens_per_second</c>, <c>rows_per_second</c>).</summary>
    public string RateName { get; init; } = "tokens_per_second";

    public IProgress<TrainingProgress>? Progress { get; init; }
    public Action<string> Log { get; init; } = _ => { };

    /// <summary>Called after every completed step (1-based) with its loss and learning rate, e.g. for validation.</summary>
    public Action<long, double, double>? AfterStep { get; init; }

    /// <summary>Called after each checkpoint is written (e.g. to redraw the loss curve).</summary>
    public Action? AfterCheckpoint { get; init; }

    /// <summary>The loss of the last completed step (NaN before the first).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>The newest checkpoint folder (the resumed one, or the last written).</summary>
    public string? LastCheckpoint { get; private set; }

    /// <summary>Training time of this run plus the earlier segments of a resumed one.</summary>
    public TimeSpan Elapsed => earlier + clock.Elapsed;

    private readonly Stopwatch clock = new();
    private TimeSpan earlier;

    /// <summary>Where a run starts: a restored checkpoint's step, last loss and earlier training time, or nothing.</summary>
    public sealed record Resumed(long Step, string? Checkpoint, double Loss, TimeSpan Elapsed);

    /// <summary>
    /// Where a run starts: the newest checkpoint restored by <paramref name="restore"/> (which returns its step, loss
    /// and elapsed time; the metrics log is cut back to it), or step 0 with a fresh metrics log.
    /// </summary>
    public static Resumed Start((long Step, string Path)? latest, Func<string, (long Step, double Loss, TimeSpan Elapsed)> restore, MetricsLog metrics, Action<string> log)
    {
        if (latest is { } ck)
        {
            var (step, loss, elapsed) = restore(ck.Path);
            metrics.TruncateAfter(step);
            log($"resumed from {ck.Path} at step {step}");
            return new Resumed(step, ck.Path, loss, elapsed);
        }
        if (File.Exists(metrics.Path)) File.Delete(metrics.Path);
        return new Resumed(0, null, double.NaN, TimeSpan.Zero);
    }

    /// <summary>The loss of <paramref name="step"/> as the metrics log recorded it (NaN when it holds none).</summary>
    public static double LastLoggedLoss(MetricsLog metrics, long step) =>
        metrics.Series("loss").Where(p => p.Step == step).Select(p => p.Value).DefaultIfEmpty(double.NaN).Last();

    /// <summary>
    /// Runs from <paramref name="startStep"/> (the completed steps of a resumed checkpoint, else 0) to <see cref="MaxSteps"/>
    /// and returns the step reached. <paramref name="computeGradients"/> takes the 0-based step index and leaves the
    /// gradients in place; <paramref name="applyUpdate"/> clips nothing and applies the optimiser with the given learning
    /// rate; <paramref name="saveCheckpoint"/> writes the checkpoint of a completed step and returns its folder.
    /// </summary>
    public long Run(Resumed start, Func<long, StepResult> computeGradients, Action<double> applyUpdate,
        Func<long, double, TimeSpan, string> saveCheckpoint, CancellationToken cancellation)
    {
        LastCheckpoint = start.Checkpoint;
        LastLoss = start.Loss;
        earlier = start.Elapsed;
        long step = start.Step, savedStep = start.Checkpoint is null ? -1 : start.Step, stepsThisRun = 0, windowUnits = 0;
        clock.Restart();
        var window = Stopwatch.StartNew();
        while (step < MaxSteps)
        {
            if (cancellation.IsCancellationRequested)
            {
                // Keep the work done so far: an interrupted run resumes from exactly here.
                if (step > 0 && savedStep != step) Checkpoint(step, saveCheckpoint);
                cancellation.ThrowIfCancellationRequested();
            }
            double lr = Schedule.At(step);
            var result = computeGradients(step);
            // A finite loss can still have an overflowing gradient, and a finite update can still blow the weights up;
            // either is caught at its own step, so it is never checkpointed as good.
            Guard.CheckGradients(step + 1, result.Loss, result.GradNorm, LastCheckpoint);
            applyUpdate(lr);
            Guard.CheckWeights(step + 1, result.Loss, Parameters, LastCheckpoint);
            step++;
            stepsThisRun++;
            windowUnits += result.Units;
            LastLoss = result.Loss;

            if (step % LogEvery == 0 || step == MaxSteps)
            {
                double rate = windowUnits / Math.Max(window.Elapsed.TotalSeconds, 1e-9);
                var remaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / stepsThisRun * (MaxSteps - step));
                var line = new Dictionary<string, object?>
                {
                    ["loss"] = Math.Round(result.Loss, 6),
                    ["lr"] = lr,
                    ["grad_norm"] = Math.Round(result.GradNorm, 6),
                    [RateName] = Math.Round(rate, 1),
                };
                if (result.Metrics is not null) foreach (var (k, v) in result.Metrics) line[k] = v;
                Metrics.Append(step, line);
                Progress?.Report(new TrainingProgress(step, MaxSteps, result.Loss, lr, rate, clock.Elapsed, remaining));
                window.Restart();
                windowUnits = 0;
            }
            AfterStep?.Invoke(step, result.Loss, lr);
            if (step % CheckpointEvery == 0 || step == MaxSteps)
            {
                Checkpoint(step, saveCheckpoint);
                savedStep = step;
            }
        }
        return step;
    }

    // The weights were checked after the update that produced them (Guard.CheckWeights), so they are never diverged here.
    private void Checkpoint(long step, Func<long, double, TimeSpan, string> save)
    {
        LastCheckpoint = save(step, LastLoss, Elapsed);
        AfterCheckpoint?.Invoke();
    }
}
