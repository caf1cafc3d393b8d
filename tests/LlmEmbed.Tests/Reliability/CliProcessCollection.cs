namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// The tests that run the real CLI as child processes and kill or contend them: one at a time (they are timed
/// against their reference runs, and two of them at once would only fight over the two cores), sharing the
/// reference runs.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CliProcessCollection : ICollectionFixture<CliReferenceRuns>
{
    public const string Name = "CLI processes killed and contended";
}
