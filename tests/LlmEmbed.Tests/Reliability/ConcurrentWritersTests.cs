using System.Globalization;
using System.Text.RegularExpressions;
using LlmEmbed.Experiments;
using LlmEmbed.IO;
using LlmEmbed.Tests.ScaleOut;
using LlmEmbed.Tests.Support;
using Xunit.Abstractions;

namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// Issue #15: two real CLI processes started at once on the same training folder, and on the same experiment folder.
/// One owns the folder; the other refuses (exit 2) with a message naming the owner's PID, host and start time; the
/// folder ends up exactly as one uninterrupted run leaves it (no duplicated metrics lines, the same weights and
/// results). A lock left by a SIGKILLed owner is taken over by the next run, which says so.
/// </summary>
[Collection(CliProcessCollection.Name)]
public sealed partial class ConcurrentWritersTests(CliReferenceRuns runs, ITestOutputHelper journal)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [GeneratedRegex(@"is in use by process (\d+) on (\S+) \((llm-embed [a-z ]+), started (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC\)")]
    private static partial Regex HolderMessage();

    /// <summary>Starts both at once; returns (owner, refused) after both ended, checking the refusal names the owner.</summary>
    private (CliChild Owner, CliChild Refused) StartTwoAtOnce(string workingDirectory, string folder, string purpose, string[] arguments)
    {
        var a = CliChild.Start(workingDirectory, arguments);
        var b = CliChild.Start(workingDirectory, arguments);
        a.WaitForExit(Patience);
        b.WaitForExit(Patience);
        journal.WriteLine($"process {a.Pid} exited {a.ExitCode}; process {b.Pid} exited {b.ExitCode}");
        Assert.True((a.ExitCode, b.ExitCode) is (0, 2) or (2, 0), $"expected one owner (exit 0) and one refusal (exit 2):\n--- {a.Pid}:\n{a.Output}\n--- {b.Pid}:\n{b.Output}");
        var (owner, refused) = a.ExitCode == 0 ? (a, b) : (b, a);

        var match = HolderMessage().Match(refused.Errors);
        Assert.True(match.Success, $"the refusal does not name the holder:\n{refused.Errors}");
        journal.WriteLine("refused with: " + refused.Errors.Split('\n').First(l => l.Contains("is in use", StringComparison.Ordinal)));
        Assert.Contains($"error: {Path.GetFullPath(folder)} is in use by process {owner.Pid} on {Environment.MachineName} ({purpose}, started ", refused.Errors);
        var started = DateTime.ParseExact(match.Groups[4].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        // The holder's start time is when it took the folder: after it was started, before the other gave up.
        Assert.InRange(started, owner.StartedUtc.AddSeconds(-1), DateTime.UtcNow);
        Assert.Contains("wait for it to finish, stop it, or choose another output folder", refused.Errors);
        // The refused process wrote nothing: the folder's lock is free again and names no holder.
        Assert.Null(FolderLock.Holder(folder));
        return (owner, refused);
    }

    [Fact]
    public void SecondTrainOnTheSameFolderIsRefusedAndTheFirstFinishesAsIfAlone()
    {
        var reference = runs.Train;
        using var tmp = TestPaths.NewTempDir();
        string config = runs.WriteTrainConfig(tmp.Path);
        string output = Path.Combine(tmp.Path, "run");
        var (owner, _) = StartTwoAtOnce(tmp.Path, output, "llm-embed train", ["train", "--config", config]);
        Assert.Contains($"done: {CliReferenceRuns.TrainSteps} steps", owner.Output);

        KillAndResumeTests.AssertSameBytes(Path.Combine(reference.Output, "model"), Path.Combine(output, "model"), "*.safetensors", "embedding_config.json");
        KillAndResumeTests.AssertSameTrainingLog(reference.Output, output, CliReferenceRuns.TrainSteps);
        Assert.Equal(KillAndResumeTests.ResultNumber(reference.Output, "FinalLoss"), KillAndResumeTests.ResultNumber(output, "FinalLoss"));
        Assert.Equal(KillAndResumeTests.FileSet(Path.Combine(reference.Output, "checkpoints")), KillAndResumeTests.FileSet(Path.Combine(output, "checkpoints")));
    }

    [Fact]
    public void SecondExperimentOnTheSameFolderIsRefusedAndTheFirstFinishesAsIfAlone()
    {
        var reference = runs.Experiment;
        using var tmp = TestPaths.NewTempDir();
        string config = runs.WriteExperimentConfig(tmp.Path);
        string output = CliReferenceRuns.ExperimentOutput(config);
        StartTwoAtOnce(tmp.Path, output, "llm-embed experiment", ["experiment", "--config", config, "--output", output]);

        List<string> expected, actual;
        using (var store = ResultsStore.OpenFolder(reference.Output)) expected = SlurmExperimentTests.Snapshot(store);
        using (var store = ResultsStore.OpenFolder(output)) actual = SlurmExperimentTests.Snapshot(store);
        Assert.Equal(expected, actual);
        Assert.Equal(SlurmExperimentTests.ReportText(reference.Output), SlurmExperimentTests.ReportText(output));
        foreach (var arm in CliReferenceRuns.ExperimentArms)
        {
            string armReference = Path.Combine(reference.Output, "arms", arm, "train"), armRun = Path.Combine(output, "arms", arm, "train");
            KillAndResumeTests.AssertSameBytes(Path.Combine(armReference, "model"), Path.Combine(armRun, "model"), "*.safetensors");
            KillAndResumeTests.AssertSameTrainingLog(armReference, armRun, CliReferenceRuns.ExperimentSteps);
        }
    }

    [Fact]
    public void LockOfAKilledTrainIsTakenOverByTheNextRunWhichSaysWhose()
    {
        using var tmp = TestPaths.NewTempDir();
        string config = runs.WriteTrainConfig(tmp.Path);
        string output = Path.Combine(tmp.Path, "run");
        int killed;
        using (var first = CliChild.Start(tmp.Path, "train", "--config", config))
        {
            // Killed as soon as it owns the folder (its owner file names it), before any checkpoint.
            // (Read from its owner file: probing the lock itself could take it from under the starting process.)
            Assert.True(first.KillWhen(() => OwnerFilePid(output) == first.Pid, freezeToLook: false, Patience),
                $"the run never took its folder:\n{first.Output}");
            killed = first.Pid;
        }
        Assert.Null(FolderLock.Holder(output)); // the OS released the lock with the process
        Assert.True(File.Exists(Path.Combine(output, FolderLock.OwnerFileName))); // only its record is left

        using var second = CliChild.Start(tmp.Path, "train", "--config", config, "--resume");
        second.WaitForSuccess(Patience);
        Assert.Contains($"{Path.GetFullPath(output)}: cleared a stale lock of process {killed} on {Environment.MachineName} (llm-embed train, started ", second.Errors);
        Assert.Contains("which is no longer running", second.Errors);
        Assert.False(File.Exists(Path.Combine(output, FolderLock.OwnerFileName))); // released at the end
    }

    private static int? OwnerFilePid(string folder)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<FolderLockOwner>(File.ReadAllText(Path.Combine(folder, FolderLock.OwnerFileName)))?.ProcessId;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
