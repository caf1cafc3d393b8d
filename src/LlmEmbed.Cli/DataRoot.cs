namespace LlmEmbed.Cli;

/// <summary>Finds the evaluation data folder: a workspace default, so it lives in the CLI, not the library.</summary>
public static class DataRoot
{
    /// <summary>Environment variable that overrides the default data folder.</summary>
    public const string EnvironmentVariable = "LLMEMBED_DATA";

    /// <summary>
    /// The explicit folder if given, else $LLMEMBED_DATA, else the first existing <c>../shared/data</c> relative to
    /// the current directory or to any folder above the application.
    /// </summary>
    public static string Resolve(string? explicitFolder = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitFolder))
            return Existing(Path.GetFullPath(explicitFolder), "--data");
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
            return Existing(Path.GetFullPath(env), "$" + EnvironmentVariable);
        var candidates = new List<string> { Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "..", "shared", "data")) };
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            candidates.Add(Path.Combine(dir.FullName, "..", "shared", "data"));
        foreach (string candidate in candidates)
            if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        throw new DirectoryNotFoundException(
            $"no evaluation data folder: pass --data, set ${EnvironmentVariable}, or place the data at ../shared/data (looked at {candidates[0]})");
    }

    private static string Existing(string path, string source) =>
        Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"data folder {path} (from {source}) does not exist");
}
