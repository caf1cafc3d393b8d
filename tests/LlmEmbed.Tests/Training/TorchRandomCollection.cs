namespace LlmEmbed.Tests.Training;

/// <summary>
/// Tests that depend on torch's process-wide generator (dropout masks, seeded initialisation) run in this
/// collection, alone: another test class reseeding the global generator in parallel would change their masks.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchRandomCollection
{
    public const string Name = "torch global random generator";
}
