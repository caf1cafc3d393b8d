using System.Globalization;
using System.Text.Json;

namespace LlmEmbed.IO;

/// <summary>
/// Makes one process at a time the owner of an output folder (an experiment, a training or a pretraining run):
/// <c>.llm-embed.lock</c> is held open with an exclusive OS lock (flock on Linux and macOS, a sharing lock on
/// Windows) for as long as the owner runs, and <c>.llm-embed.lock.json</c> says who holds it. The OS releases the
/// lock when the process dies, however it dies, so a lock left by a killed run is stale by construction: the next
/// run takes it over and says so. A second live process refuses (or, with a wait, waits) with a message naming the
/// holder's PID, host, start time and command.
/// </summary>
/// <example><code>using var folderLock = FolderLock.Acquire(outputDir, "llm-embed experiment", log: Console.WriteLine);</code></example>
public sealed class FolderLock : IDisposable
{
    public const string LockFileName = ".llm-embed.lock";
    public const string OwnerFileName = ".llm-embed.lock.json";

    private FileStream? stream;

    private FolderLock(string folder, FileStream stream, FolderLockOwner owner)
    {
        Folder = folder;
        this.stream = stream;
        Owner = owner;
    }

    /// <summary>The locked folder (full path).</summary>
    public string Folder { get; }

    /// <summary>This process's record, as written to the owner file.</summary>
    public FolderLockOwner Owner { get; }

    /// <summary>
    /// Takes the folder (creating it if needed). When another live process holds it, waits up to
    /// <paramref name="wait"/> (default: not at all), then throws <see cref="FolderLockedException"/> naming the holder.
    /// </summary>
    /// <param name="purpose">What this process does in the folder (shown to a second process), e.g. "llm-embed train".</param>
    /// <param name="log">Told when a stale lock of a dead process is cleared.</param>
    public static FolderLock Acquire(string folder, string purpose, TimeSpan? wait = null, Action<string>? log = null, CancellationToken cancellation = default)
    {
        string full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        string lockPath = Path.Combine(full, LockFileName);
        var deadline = DateTime.UtcNow + (wait ?? TimeSpan.Zero);
        while (true)
        {
            var stream = TryOpen(lockPath);
            if (stream != null)
            {
                try
                {
                    var previous = ReadOwner(full);
                    if (previous != null && previous.ProcessId != Environment.ProcessId)
                        log?.Invoke($"{full}: cleared a stale lock of {previous.Describe()}, which is no longer running");
                    var owner = new FolderLockOwner(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow, purpose);
                    WriteOwner(full, owner);
                    return new FolderLock(full, stream, owner);
                }
                catch
                {
                    stream.Dispose();
                    throw;
                }
            }
            if (DateTime.UtcNow >= deadline) throw new FolderLockedException(full, CurrentHolder(full));
            cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
            cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Who holds <paramref name="folder"/>'s lock now, or null when nobody does.</summary>
    public static FolderLockOwner? Holder(string folder)
    {
        string full = Path.GetFullPath(folder);
        string lockPath = Path.Combine(full, LockFileName);
        if (!File.Exists(lockPath)) return null;
        using var probe = TryOpen(lockPath);
        return probe != null ? null : ReadOwner(full);
    }

    private static FileStream? TryOpen(string lockPath)
    {
        try
        {
            // FileShare.None is an exclusive, non-blocking lock: flock(LOCK_EX | LOCK_NB) on Unix.
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            return null;
        }
    }

    /// <summary>
    /// The owner record of a folder whose lock another process holds. The holder writes its record just after taking
    /// the lock, so for a moment the file is missing or still names the previous owner, one that died: rather than
    /// name a process that does not hold the folder, wait briefly for the holder's own record.
    /// </summary>
    private static FolderLockOwner? CurrentHolder(string folder)
    {
        var settle = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var owner = ReadOwner(folder);
            if (owner != null && (owner.Host != Environment.MachineName || IsRunning(owner.ProcessId))) return owner;
            if (settle.Elapsed > HolderRecordWait) return owner;
            Thread.Sleep(20);
        }
    }

    /// <summary>How long a refused process waits for the holder's record to appear before naming what it has.</summary>
    private static readonly TimeSpan HolderRecordWait = TimeSpan.FromSeconds(2);

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static FolderLockOwner? ReadOwner(string folder)
    {
        try
        {
            return JsonSerializer.Deserialize<FolderLockOwner>(File.ReadAllText(Path.Combine(folder, OwnerFileName)));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void WriteOwner(string folder, FolderLockOwner owner)
    {
        string path = Path.Combine(folder, OwnerFileName);
        string tmp = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(owner));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Releases the lock (the owner file is removed; the lock file stays, harmlessly unlocked).</summary>
    public void Dispose()
    {
        if (stream == null) return;
        try { File.Delete(Path.Combine(Folder, OwnerFileName)); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        stream.Dispose();
        stream = null;
    }
}

/// <summary>Who holds a folder: process id, host, start time (UTC) and what it is doing.</summary>
public sealed record FolderLockOwner(int ProcessId, string Host, DateTimeOffset Started, string Purpose)
{
    public string Describe() =>
        $"process {ProcessId} on {Host} ({Purpose}, started {Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC)";

}
