using System.Text.Json;
using LlmEmbed.IO;
using LlmEmbed.Training;

namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// Runs one CLI command, SIGKILLs it at each <see cref="KillPoint"/> in turn, reruns the same command after each kill
/// (as a user would), and finally lets the last rerun finish. After every kill it checks what a rerun relies on:
/// <see cref="AfterKill"/> (the caller's checks: no torn checkpoint or model folder), and in the next run that it
/// resumed from the newest complete checkpoint and cleared the dead process's lock. Every run must end on its own
/// (no stuck run) within <see cref="Patience"/>.
/// </summary>
internal sealed class KillResumeScenario
{
    public required string WorkingDirectory { get; init; }
    /// <summary>The first run's arguments.</summary>
    public required string[] FirstArguments { get; init; }
    /// <summary>What the user runs after a kill (for train/pretrain the same with --resume; an experiment reruns as is).</summary>
    public required string[] RerunArguments { get; init; }
    /// <summary>The output folder whose lock the killed process held.</summary>
    public required string LockedFolder { get; init; }
    /// <summary>The checkpoint folder a rerun resumes from (its "resumed from … at step N" line is checked), if one.</summary>
    public string? CheckpointRoot { get; init; }
    /// <summary>Checks of the files a killed run left, run right after each kill.</summary>
    public Action<KillPoint> AfterKill { get; init; } = _ => { };
    /// <summary>What the journal says of the folder after a kill, besides the newest checkpoint and leftovers.</summary>
    public Func<string>? Describe { get; init; }
    public required Action<string> Journal { get; init; }
    public TimeSpan Patience { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The runs' output (first to last), for assertions on messages.</summary>
    public List<string> Outputs { get; } = [];

    public void Run(IReadOnlyList<KillPoint> kills)
    {
        int? deadOwner = null;
        long? resumable = null;
        for (int i = 0; i <= kills.Count; i++)
        {
            using var child = CliChild.Start(WorkingDirectory, i == 0 ? FirstArguments : RerunArguments);
            if (i == kills.Count)
            {
                child.WaitForSuccess(Patience);
                Journal($"run {i + 1}: finished (exit 0) in {(DateTime.UtcNow - child.StartedUtc).TotalSeconds:F1} s");
                Outputs.Add(child.Output);
                CheckRerun(child, deadOwner, resumable, finished: true);
                return;
            }
            var point = kills[i];
            if (!point.KillAtThePoint(child))
            {
                child.WaitForExit(Patience);
                Assert.Fail($"kill point {i + 1} ({point.Name}) never came: the run ended by itself with exit code {child.ExitCode}:\n{child.Output}");
            }
            Outputs.Add(child.Output);
            CheckRerun(child, deadOwner, resumable, finished: false);
            // What the OS leaves of a killed owner: its owner file (the lock itself died with it).
            var owner = ReadOwner();
            deadOwner = owner?.ProcessId == child.Pid ? child.Pid : null;
            resumable = CheckpointRoot is null ? null : new CheckpointStore(CheckpointRoot, 1).Latest?.Step;
            string checkpoint = CheckpointRoot is null ? "" : $"newest complete checkpoint: {(resumable is { } s ? $"step {s}" : "none")}; ";
            Journal($"run {i + 1}: SIGKILL {point.Name} ({(DateTime.UtcNow - child.StartedUtc).TotalSeconds:F1} s after start); " +
                    $"{checkpoint}{(Describe is null ? "" : Describe() + "; ")}{Leftovers()}");
            AfterKill(point);
        }
    }

    private FolderLockOwner? ReadOwner()
    {
        string path = Path.Combine(LockedFolder, FolderLock.OwnerFileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<FolderLockOwner>(File.ReadAllText(path)) : null;
    }

    /// <summary>Temporary files and folders the kill left behind (a rerun must ignore them).</summary>
    private string Leftovers()
    {
        if (!Directory.Exists(LockedFolder)) return "no output folder yet";
        var temporary = Directory.EnumerateFileSystemEntries(LockedFolder, "*", SearchOption.AllDirectories)
            .Where(p => Path.GetFileName(p).Contains("tmp", StringComparison.Ordinal) || Path.GetFileName(p).EndsWith("-journal", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(LockedFolder, p))
            .Where(p => !p.Split(Path.DirectorySeparatorChar).SkipLast(1).Any(part => part.Contains("tmp", StringComparison.Ordinal)))
            .ToList();
        return temporary.Count == 0 ? "no temporary files left" : $"left behind: {string.Join(", ", temporary)}";
    }

    /// <summary>A rerun resumed from the newest complete checkpoint and took over the dead process's lock, saying so.</summary>
    private static void CheckRerun(CliChild child, int? deadOwner, long? resumable, bool finished)
    {
        string output = child.Output;
        bool resumed = output.Contains("resumed from ", StringComparison.Ordinal);
        if (resumable is { } step)
        {
            if (finished) Assert.True(resumed, $"the run after the kill did not resume from step {step}:\n{output}");
            if (resumed)
                Assert.True(output.Contains($"{CheckpointStore.FolderName(step)} at step {step}", StringComparison.Ordinal),
                    $"expected a resume from step {step}:\n{output}");
        }
        if (deadOwner is { } pid && (finished || resumed))
            Assert.True(output.Contains($"cleared a stale lock of process {pid} ", StringComparison.Ordinal),
                $"the run after the kill of process {pid} did not report taking over its stale lock:\n{output}");
    }
}
