namespace LlmEmbed.Tests.Support;

/// <summary>Locates the repository root and the read-only <c>../shared</c> folder beside it.</summary>
public static class TestPaths
{
    private static readonly Lazy<string> RepoRootLazy = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "LlmEmbed.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("LlmEmbed.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The checkout root (the folder holding LlmEmbed.sln).</summary>
    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary>The shared folder: $LLMEMBED_SHARED, else ../shared beside the checkout.</summary>
    public static string Shared
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("LLMEMBED_SHARED");
            string path = !string.IsNullOrEmpty(env) ? env : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            if (!Directory.Exists(path))
                throw new DirectoryNotFoundException($"shared data folder not found at {path} (set LLMEMBED_SHARED)");
            return path;
        }
    }

    public static string Golden(string file) => Path.Combine(Shared, "golden", file);
    public static string Data(params string[] parts) => Path.Combine([Shared, "data", .. parts]);
    public static string Models(params string[] parts) => Path.Combine([Shared, "models", .. parts]);

    /// <summary>A fresh empty temporary folder, deleted when disposed.</summary>
    public static TempDir NewTempDir() => new();
}

/// <summary>A temporary folder removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "llmembed-test-" + Guid.NewGuid().ToString("N")[..12]);
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
