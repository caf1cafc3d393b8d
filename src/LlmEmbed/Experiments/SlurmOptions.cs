namespace LlmEmbed.Experiments;

/// <summary>
/// Resources asked of Slurm for each array task (<c>#SBATCH</c> lines); null leaves the cluster's default. The merge
/// job gets the same partition and time limit and one CPU.
/// </summary>
public sealed record SlurmOptions
{
    public string? Partition { get; init; }

    /// <summary>Time limit per array task, in any form sbatch accepts (e.g. <c>4:00:00</c>, <c>1-00:00:00</c>).</summary>
    public string? Time { get; init; }

    public int? CpusPerTask { get; init; }

    /// <summary>Generic resources per task, e.g. <c>gpu:1</c>.</summary>
    public string? Gres { get; init; }

    /// <summary>The command that runs llm-embed on the compute nodes; default: the command running now.</summary>
    public string? Launcher { get; init; }
}
