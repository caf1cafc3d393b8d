namespace LlmEmbed.Training;

/// <summary>
/// Training checkpoints as folders <c>step-000100/</c> under a root. Each is written into a temporary folder
/// and renamed into place only when complete, so a crash at any moment leaves either the previous set of
/// checkpoints or the new one — never a half-written folder that looks valid. Only the newest K are kept.
/// </summary>
public sealed class CheckpointStore
{
    private const string Prefix = "step-";

    public CheckpointStore(string root, int keep)
    {
        if (keep < 1) throw new ArgumentOutOfRangeException(nameof(keep), keep, "keep at least one checkpoint");
        Root = root;
        Keep = keep;
    }

    public string Root { get; }
    public int Keep { get; }

    public static string FolderName(long step) => $"{Prefix}{step:D6}";

    /// <summary>Completed checkpoints, oldest first.</summary>
    public IReadOnlyList<(long Step, string Path)> List()
    {
        if (!Directory.Exists(Root)) return [];
        var found = new List<(long, string)>();
        foreach (var dir in Directory.GetDirectories(Root, Prefix + "*"))
        {
            string name = Path.GetFileName(dir);
            if (long.TryParse(name.AsSpan(Prefix.Length), out long step) && name == FolderName(step)
                && File.Exists(Path.Combine(dir, CompleteMarker)))
                found.Add((step, dir));
        }
        return found.OrderBy(f => f.Item1).ToList();
    }

    /// <summary>The newest completed checkpoint, if any.</summary>
    public (long Step, string Path)? Latest => List() is { Count: > 0 } l ? l[^1] : null;

    /// <summary>Written last inside a checkpoint folder; a folder without it is ignored.</summary>
    public const string CompleteMarker = "COMPLETE";

    /// <summary>
    /// Writes a checkpoint: <paramref name="write"/> fills a temporary folder, which is then marked complete,
    /// flushed and renamed to <c>step-N</c>. Older checkpoints beyond <see cref="Keep"/> are removed afterwards.
    /// </summary>
    public string Save(long step, Action<string> write)
    {
        Directory.CreateDirectory(Root);
        string final = Path.Combine(Root, FolderName(step));
        string tmp = Path.Combine(Root, $".tmp-{FolderName(step)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            write(tmp);
            using (var marker = new FileStream(Path.Combine(tmp, CompleteMarker), FileMode.Create, FileAccess.Write))
            {
                marker.Write("ok\n"u8);
                marker.Flush(flushToDisk: true);
            }
            if (Directory.Exists(final)) Remove(final);
            Directory.Move(tmp, final);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        foreach (var (_, path) in List().SkipLast(Keep)) Remove(path);
        foreach (var stale in Directory.GetDirectories(Root, ".tmp-*")) TryDelete(stale);
        return final;
    }

    /// <summary>
    /// Takes a checkpoint out of the list at once (renamed to a temporary name) and then deletes it: a recursive delete
    /// killed half-way would otherwise leave a folder with its COMPLETE marker but without some of its files.
    /// </summary>
    private void Remove(string dir)
    {
        string doomed = Path.Combine(Root, $".tmp-removed-{Path.GetFileName(dir)}-{Guid.NewGuid():N}");
        try
        {
            Directory.Move(dir, doomed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // left in place, whole
        }
        TryDelete(doomed);
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
