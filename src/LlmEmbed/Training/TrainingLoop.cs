using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Training;

/// <summary>
/// The one training-loop skeleton shared by pretraining and contrastive training. The caller supplies what differs
/// (how a step's gradients are computed, how a checkpoint is written, what else to log); the loop owns what must
/// not drift apart: step numbering (a step is numbered 1.. as it completes; a failure names the step being taken),
/// the learning-rate schedule, refusing a non-finite loss or gradient norm before any weight changes, refusing to
/// checkpoint non-finite weights, the metrics log and progress cadence, and on cancellation a checkpoint of the
/// last completed step before stopping.
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

    /// <summary>The trainable parameters (checked for finiteness before every checkpoint).</summary>
    public required IReadOnlyList<Parameter> Parameters { get; init; }

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

    public TimeSpan Elapsed => clock.Elapsed;

    private readonly Stopwatch clock = new();

    /// <summary>
    /// Where a run starts: the newest checkpoint restored by <paramref name="restore"/> (which returns its step; the
    /// metrics log is cut back to it), or step 0 with a fresh metrics log.
    /// </summary>
    public static (long Step, string? Checkpoint) Start((long Step, string Path)? latest, Func<string, long> restore, MetricsLog metrics, Action<string> log)
    {
        if (latest is { } ck)
        {
            long step = restore(ck.Path);
            metrics.TruncateAfter(step);
            log($"resumed from {ck.Path} at step {step}");
            return (step, ck.Path);
        }
        if (File.Exists(metrics.Path)) File.Delete(metrics.Path);
        return (0, null);
    }

    /// <summary>
    /// Runs from <paramref name="startStep"/> (the completed steps of a resumed checkpoint, else 0) to <see cref="MaxSteps"/>
    /// and returns the step reached. <paramref name="computeGradients"/> takes the 0-based step index and leaves the
    /// gradients in place; <paramref name="applyUpdate"/> clips nothing and applies the optimiser with the given learning
    /// rate; <paramref name="saveCheckpoint"/> writes the checkpoint of a completed step and returns its folder.
    /// </summary>
    public long Run(long startStep, string? resumedCheckpoint, Func<long, StepResult> computeGradients, Action<double> applyUpdate,
        Func<long, string> saveCheckpoint, CancellationToken cancellation)
    {
        LastCheckpoint = resumedCheckpoint;
        long step = startStep, savedStep = resumedCheckpoint is null ? -1 : startStep, stepsThisRun = 0, windowUnits = 0;
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
            if (!double.IsFinite(result.Loss)) throw new NonFiniteLossException(step + 1, result.Loss, LastCheckpoint);
            // A finite loss can still have an overflowing gradient; stepping with it would write inf/NaN into the weights.
            if (!double.IsFinite(result.GradNorm))
            {
                Log($"step {step + 1}: the gradient norm is {result.GradNorm} (loss {result.Loss}); stopping before the update");
                throw new NonFiniteLossException(step + 1, result.GradNorm, LastCheckpoint);
            }
            applyUpdate(lr);
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

    private void Checkpoint(long step, Func<long, string> save)
    {
        // Never save diverged weights as a checkpoint: resuming from it would be worthless.
        if (!ParametersAreFinite(Parameters))
        {
            Log($"step {step}: the weights are no longer finite (last loss {LastLoss}); the checkpoint is not written");
            throw new NonFiniteLossException(step, double.NaN, LastCheckpoint);
        }
        LastCheckpoint = save(step);
        AfterCheckpoint?.Invoke();
    }

    /// <summary>True when every element of every parameter is finite.</summary>
    public static bool ParametersAreFinite(IEnumerable<Tensor> parameters)
    {
        using var _ = no_grad();
        foreach (var p in parameters)
        {
            using var scope = NewDisposeScope();
            if (!p.isfinite().all().item<bool>()) return false;
        }
        return true;
    }
}
