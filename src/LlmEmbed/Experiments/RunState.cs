namespace LlmEmbed.Experiments;

/// <summary>Where one arm run (arm, seed) of an experiment folder stands, as its own store records it.</summary>
public enum RunState
{
    /// <summary>No store in <c>arms/KEY/</c> yet, or no arm row in it.</summary>
    NotStarted,

    /// <summary>Training started (maybe interrupted: a rerun resumes from the newest checkpoint).</summary>
    Training,

    /// <summary>Trained; some tasks are not evaluated yet.</summary>
    Evaluating,

    /// <summary>Trained and scored on every task of the experiment.</summary>
    Done,

    /// <summary>The run raised an error (its log says which); a rerun retries it.</summary>
    Failed,

    /// <summary>The run's store holds another experiment config (a different hash): never merged.</summary>
    ForeignConfig,
}
