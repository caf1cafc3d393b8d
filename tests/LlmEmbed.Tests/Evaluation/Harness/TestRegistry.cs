using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Harness;

/// <summary>The repository's tasks.json (tests read it from the source tree, not the build output).</summary>
public static class TestRegistry
{
    public static string Path => System.IO.Path.Combine(TestPaths.RepoRoot, "src", "LlmEmbed", "Evaluation", "tasks.json");

    public static TaskRegistry Load() => TaskRegistry.Load(Path);
}
