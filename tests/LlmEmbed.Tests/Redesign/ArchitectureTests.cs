using System.Text.RegularExpressions;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Redesign;

/// <summary>docs/architecture.md's rules, checked on the sources: dependencies point down; no workspace paths in the library.</summary>
public class ArchitectureTests
{
    private static readonly string Library = Path.Combine(TestPaths.RepoRoot, "src", "LlmEmbed");

    /// <summary>Which namespaces a part may not use (the parts above it).</summary>
    [Theory]
    [InlineData("Training", "Evaluation|Experiments")]
    [InlineData("Evaluation", "Training|Experiments")]
    [InlineData("Embedding", "Training|Evaluation|Experiments")]
    [InlineData("Pooling", "Embedding|Training|Evaluation|Experiments")]
    [InlineData("Models", "Embedding|Pooling|Training|Evaluation|Experiments")]
    [InlineData("Search", "Embedding|Training|Evaluation|Experiments")]
    public void DependenciesPointDown(string part, string forbidden)
    {
        var pattern = new Regex($@"LlmEmbed\.({forbidden})\b");
        var offenders = Directory.EnumerateFiles(Path.Combine(Library, part), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => pattern.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(Library, x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void TheLibraryHoldsNoWorkspacePaths()
    {
        var offenders = Directory.EnumerateFiles(Library, "*.cs", SearchOption.AllDirectories)
            .Where(f => File.ReadLines(f).Any(l => !l.TrimStart().StartsWith("///", StringComparison.Ordinal) && (l.Contains("\"shared\"", StringComparison.Ordinal) || l.Contains("../shared", StringComparison.Ordinal))))
            .Select(f => Path.GetRelativePath(Library, f))
            .ToList();
        Assert.Empty(offenders);
    }
}
