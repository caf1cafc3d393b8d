namespace LlmEmbed.Bench;

/// <summary>Where the benchmarks find the repository and the shared data, and whether they run in --quick mode.</summary>
internal sealed record BenchSettings(bool Quick, string RepoRoot, string ResultsPath)
{
    public string DataRoot => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
    public string Data(params string[] parts) => Path.Combine([DataRoot, .. parts]);
    public string Repo(params string[] parts) => Path.Combine([RepoRoot, .. parts]);

    /// <summary>The folder holding LlmEmbed.sln, searched upwards from the working directory and then the binary.</summary>
    public static string FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LlmEmbed.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("LlmEmbed.sln not found above the working directory or the binary; run from inside the repository");
    }
}
