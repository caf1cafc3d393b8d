namespace LlmEmbed;

/// <summary>
/// The folder counterpart of <see cref="AtomicFile"/>: a folder (a trained model) is filled under a staging name
/// beside it and renamed into place, and a folder it replaces is first renamed aside, then deleted. A process killed at
/// any moment leaves either the old folder or the new one under the final name, never a half-written or half-deleted
/// one; what it leaves under a staging name is removed by the next write of that folder.
/// </summary>
/// <remarks>
/// The caller must be the folder's only writer (e.g. it holds <see cref="IO.FolderLock"/> on the parent): staging
/// folders of the same name are taken for leftovers of a killed writer.
/// </remarks>
public static class AtomicFolder
{
    /// <summary>What follows the folder's name in its staging and set-aside names (<c>model.tmp-1a2b3c4d</c>).</summary>
    public const string StagingSuffix = ".tmp-";

    /// <summary>Writes <paramref name="path"/> through <paramref name="fill"/> (given the staging folder to fill), atomically.</summary>
    public static void Write(string path, Action<string> fill)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no parent folder", nameof(path));
        Directory.CreateDirectory(parent);
        RemoveLeftovers(full);
        string staging = StagingName(full);
        try
        {
            Directory.CreateDirectory(staging);
            fill(staging);
            if (Directory.Exists(full))
            {
                string old = StagingName(full);
                Directory.Move(full, old);
                Directory.Move(staging, full);
                Delete(old);
            }
            else
            {
                Directory.Move(staging, full);
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Delete(staging);
        }
    }

    /// <summary>Removes staging and set-aside folders of <paramref name="path"/> that a killed writer left.</summary>
    public static void RemoveLeftovers(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string? parent = Path.GetDirectoryName(full);
        if (parent is null || !Directory.Exists(parent)) return;
        foreach (var leftover in Directory.GetDirectories(parent, Path.GetFileName(full) + StagingSuffix + "*")) Delete(leftover);
    }

    private static string StagingName(string full) => full + StagingSuffix + Guid.NewGuid().ToString("N")[..8];

    private static void Delete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
