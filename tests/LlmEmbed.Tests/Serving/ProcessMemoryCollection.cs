namespace LlmEmbed.Tests.Serving;

/// <summary>
/// Tests that measure this process's memory run in this collection: alone, after every parallel test class (xunit runs
/// collections with parallelisation disabled by themselves), so no other test allocates while they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "process memory measurements";
}
