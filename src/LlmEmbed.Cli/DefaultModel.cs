namespace LlmEmbed.Cli;

/// <summary>The project's default base model (pretrained by configs/pretrain-default.yaml, shipped in the repository).</summary>
public static class DefaultModel
{
    /// <summary>models/llm-embed-base: relative to the current folder when it exists there, else beside the application's repository checkout.</summary>
    public static string Path
    {
        get
        {
            const string relative = "models/llm-embed-base";
            if (Directory.Exists(relative)) return relative;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                string candidate = System.IO.Path.Combine(dir.FullName, relative);
                if (Directory.Exists(candidate)) return candidate;
            }
            return relative;
        }
    }
}
