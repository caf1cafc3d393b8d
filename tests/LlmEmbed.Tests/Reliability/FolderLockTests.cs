using System.Diagnostics;
using System.Text.Json;
using LlmEmbed.IO;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Reliability;

/// <summary>Issue #15, defect 3: one process at a time owns an output folder.</summary>
public class FolderLockTests
{
    [Fact]
    public void SecondOwnerIsRefusedWithTheHoldersPidAndStartTime()
    {
        using var dir = TestPaths.NewTempDir();
        using (var first = FolderLock.Acquire(dir.Path, "llm-embed experiment"))
        {
            var e = Assert.Throws<FolderLockedException>(() => FolderLock.Acquire(dir.Path, "llm-embed experiment"));
            Assert.Contains($"{dir.Path} is in use by process {Environment.ProcessId} on {Environment.MachineName} (llm-embed experiment, started ", e.Message);
            Assert.Contains(" UTC)", e.Message);
            Assert.Equal(Environment.ProcessId, FolderLock.Holder(dir.Path)!.ProcessId);
        }
        Assert.Null(FolderLock.Holder(dir.Path));
        using var second = FolderLock.Acquire(dir.Path, "llm-embed train");
        Assert.Equal("llm-embed train", second.Owner.Purpose);
    }

    [Fact]
    public void StaleLockOfADeadProcessIsClearedAndSaidSo()
    {
        using var dir = TestPaths.NewTempDir();
        // What a SIGKILLed owner leaves: the owner file (the OS released its lock with the process).
        var dead = new FolderLockOwner(999_999, Environment.MachineName, DateTimeOffset.UtcNow.AddHours(-1), "llm-embed train");
        File.WriteAllText(Path.Combine(dir.Path, FolderLock.OwnerFileName), JsonSerializer.Serialize(dead));
        File.WriteAllText(Path.Combine(dir.Path, FolderLock.LockFileName), "");
        var messages = new List<string>();
        using var taken = FolderLock.Acquire(dir.Path, "llm-embed train", log: messages.Add);
        Assert.Contains(messages, m => m.Contains("cleared a stale lock of process 999999") && m.Contains("no longer running"));
        Assert.Equal(Environment.ProcessId, FolderLock.Holder(dir.Path)!.ProcessId);
    }

    [Fact]
    public void LockHeldByAnotherProcessIsRespectedAndAWaiterGetsItWhenReleased()
    {
        using var dir = TestPaths.NewTempDir();
        string lockPath = Path.Combine(dir.Path, FolderLock.LockFileName);
        // flock(1) holds the same kind of lock (flock(2), exclusive) in a separate process for 3 seconds.
        var psi = new ProcessStartInfo("flock", ["--exclusive", lockPath, "sh", "-c", "echo held; sleep 3"]) { RedirectStandardOutput = true };
        using var holder = Process.Start(psi)!;
        Assert.Equal("held", holder.StandardOutput.ReadLine());
        Assert.Throws<FolderLockedException>(() => FolderLock.Acquire(dir.Path, "llm-embed train"));
        using var waited = FolderLock.Acquire(dir.Path, "llm-embed train", wait: TimeSpan.FromMinutes(2));
        Assert.True(holder.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.True(holder.HasExited);
    }

    [Fact]
    public async Task RefusalNamesTheHolderRatherThanTheDeadOwnerWhoseRecordItIsReplacing()
    {
        using var dir = TestPaths.NewTempDir();
        string lockPath = Path.Combine(dir.Path, FolderLock.LockFileName), ownerPath = Path.Combine(dir.Path, FolderLock.OwnerFileName);
        // A holder in the moment after it took the lock: the record on disk is still the one a killed owner left.
        File.WriteAllText(ownerPath, JsonSerializer.Serialize(new FolderLockOwner(999_999, Environment.MachineName, DateTimeOffset.UtcNow.AddHours(-1), "llm-embed train")));
        var psi = new ProcessStartInfo("flock", ["--exclusive", lockPath, "sh", "-c", "echo held; sleep 10"]) { RedirectStandardOutput = true };
        using var holder = Process.Start(psi)!;
        try
        {
            Assert.Equal("held", holder.StandardOutput.ReadLine());
            var record = new FolderLockOwner(holder.Id, Environment.MachineName, DateTimeOffset.UtcNow, "llm-embed experiment");
            var writing = Task.Run(async () =>
            {
                await Task.Delay(300);
                File.WriteAllText(ownerPath, JsonSerializer.Serialize(record));
            });
            var e = Assert.Throws<FolderLockedException>(() => FolderLock.Acquire(dir.Path, "llm-embed train"));
            await writing;
            Assert.Equal(holder.Id, e.Holder!.ProcessId);
            Assert.Contains($"is in use by process {holder.Id} on {Environment.MachineName} (llm-embed experiment, started ", e.Message);
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
    }
}
