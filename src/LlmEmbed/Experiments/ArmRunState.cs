namespace LlmEmbed.Experiments;

/// <summary>One arm run (arm, seed) of an experiment folder and how far it got.</summary>
/// <param name="Key">Its folder name under <c>arms/</c>.</param>
/// <param name="StorePath">Its own store, <c>arms/KEY/results.sqlite</c> (may not exist yet).</param>
/// <param name="TasksDone">Tasks scored so far.</param>
/// <param name="TasksTotal">Tasks of the experiment.</param>
/// <param name="CheckpointStep">Newest completed training checkpoint, if any.</param>
/// <param name="ConfigHash">The config hash recorded in its store, if any.</param>
public sealed record ArmRunState(string Key, string Arm, long Seed, RunState State, string StorePath, int TasksDone, int TasksTotal,
    long? CheckpointStep, string? ConfigHash)
{
    public string Describe() => State switch
    {
        RunState.NotStarted => "not started (no store in its folder)",
        RunState.Training => CheckpointStep is { } step ? $"training, not finished (newest checkpoint: step {step})" : "training, not finished (no checkpoint yet)",
        RunState.Evaluating => $"trained, evaluated {TasksDone}/{TasksTotal} tasks",
        RunState.Done => $"done ({TasksDone}/{TasksTotal} tasks)",
        RunState.Failed => $"failed (see its log; {TasksDone}/{TasksTotal} tasks scored)",
        RunState.ForeignConfig => $"recorded by another experiment config (hash {ConfigHash?[..Math.Min(12, ConfigHash.Length)]}…)",
        _ => State.ToString(),
    };
}
