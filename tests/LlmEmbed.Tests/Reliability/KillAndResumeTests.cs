using System.Text.Json;
using LlmEmbed.Experiments;
using LlmEmbed.Tests.ScaleOut;
using LlmEmbed.Tests.Support;
using LlmEmbed.Training;
using Xunit.Abstractions;

namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// Issue #15: SIGKILL at seeded-random moments and in chosen phases of the real <c>train</c>, <c>pretrain</c> and
/// <c>experiment</c> commands (while a checkpoint folder is half-written, right after the final checkpoint, while the
/// final model folder is written, during validation, during an arm's evaluation, during the merge), each time rerunning
/// the same command. After every kill no checkpoint or model folder is torn; every rerun resumes from the newest complete
/// checkpoint and takes over the dead process's lock; the last one finishes with the same weights, metrics and results
/// as an uninterrupted run, bit for bit. The seed is printed; <c>LLMEMBED_KILL_SEED</c> picks another.
/// </summary>
[Collection(CliProcessCollection.Name)]
public sealed class KillAndResumeTests(CliReferenceRuns runs, ITestOutputHelper journal)
{
    private Random Seeded()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("LLMEMBED_KILL_SEED"), out int s) ? s : 15;
        journal.WriteLine($"kill seed {seed} (set LLMEMBED_KILL_SEED to try others)");
        return new Random(seed);
    }

    [Fact]
    public void TrainKilledAnywhereResumesToTheWeightsOfAnUninterruptedRun()
    {
        var reference = runs.Train;
        using var tmp = TestPaths.NewTempDir();
        string config = runs.WriteTrainConfig(tmp.Path);
        string output = Path.Combine(tmp.Path, "run"), checkpoints = Path.Combine(output, "checkpoints"), model = Path.Combine(output, "model");
        var store = new CheckpointStore(checkpoints, 1);
        var rng = Seeded();
        var perStep = reference.PerStep;
        var kills = new List<KillPoint>
        {
            KillPoint.After(reference.UntilFirstCheckpoint * (0.1 + 0.8 * rng.NextDouble())),
            AtRandomStep(rng, store, perStep, CliReferenceRuns.TrainSteps),
            KillPoint.During("while a checkpoint folder is being written", NewEntry(checkpoints, ".tmp-step-*")),
            KillPoint.During("right after the final checkpoint, before the model folder", AfterFinalCheckpoint(checkpoints, CliReferenceRuns.TrainSteps, model)),
            KillPoint.During("while the final model folder is being written", NewEntry(output, "model*")),
        };
        RunTrainerScenario("train", reference.Output, tmp.Path, config, output, kills);

        AssertSameBytes(Path.Combine(reference.Output, "model"), model, "*.safetensors", "embedding_config.json");
        AssertSameTrainingLog(reference.Output, output, CliReferenceRuns.TrainSteps);
        Assert.Equal(ResultNumber(reference.Output, "FinalLoss"), ResultNumber(output, "FinalLoss"));
        Assert.Equal(CliReferenceRuns.TrainSteps, ResultNumber(output, "Steps"));
    }

    [Fact]
    public void PretrainKilledAnywhereResumesToTheWeightsOfAnUninterruptedRun()
    {
        var reference = runs.Pretrain;
        using var tmp = TestPaths.NewTempDir();
        string config = runs.WritePretrainConfig(tmp.Path);
        string output = Path.Combine(tmp.Path, "run"), checkpoints = Path.Combine(output, "checkpoints"), model = Path.Combine(output, "model");
        var store = new CheckpointStore(checkpoints, 1);
        var rng = Seeded();
        var perStep = reference.PerStep;
        var kills = new List<KillPoint>
        {
            KillPoint.After(reference.UntilFirstCheckpoint * (0.1 + 0.8 * rng.NextDouble())),
            AtRandomStep(rng, store, perStep, CliReferenceRuns.PretrainSteps),
            KillPoint.During("while a checkpoint folder is being written", NewEntry(checkpoints, ".tmp-step-*")),
            KillPoint.During("during a validation pass", InValidation(Path.Combine(output, "metrics.jsonl"))),
            KillPoint.During("while the final model folder is being written", NewEntry(output, "model*")),
        };
        RunTrainerScenario("pretrain", reference.Output, tmp.Path, config, output, kills);

        AssertSameBytes(Path.Combine(reference.Output, "model"), model, "*");
        AssertSameTrainingLog(reference.Output, output, CliReferenceRuns.PretrainSteps, "val_loss", "val_perplexity", "val_bits_per_byte");
        foreach (var number in new[] { "FinalTrainLoss", "ValidationLoss", "ValidationBitsPerByte", "Steps" })
            Assert.Equal(ResultNumber(reference.Output, number), ResultNumber(output, number));
    }

    /// <summary>
    /// Kills and reruns (with --resume) one trainer command; after each kill no checkpoint is torn and the model folder
    /// is whole or absent (compared with the uninterrupted run in <paramref name="referenceOutput"/>).
    /// </summary>
    private void RunTrainerScenario(string command, string referenceOutput, string workingDirectory, string config, string output, List<KillPoint> kills)
    {
        string checkpoints = Path.Combine(output, "checkpoints"), model = Path.Combine(output, "model");
        var checkpointFiles = FileSet(NewestCheckpoint(Path.Combine(referenceOutput, "checkpoints")));
        var modelFiles = FileSet(Path.Combine(referenceOutput, "model"));
        new KillResumeScenario
        {
            WorkingDirectory = workingDirectory,
            FirstArguments = [command, "--config", config],
            RerunArguments = [command, "--config", config, "--resume"],
            LockedFolder = output,
            CheckpointRoot = checkpoints,
            Journal = journal.WriteLine,
            AfterKill = _ =>
            {
                AssertNoTornCheckpoint(checkpoints, checkpointFiles);
                AssertModelFolderWholeOrAbsent(model, modelFiles);
            },
        }.Run(kills);
    }

    [Fact]
    public void ExperimentKilledAnywhereResumesToTheResultsOfAnUninterruptedRun()
    {
        var reference = runs.Experiment;
        using var tmp = TestPaths.NewTempDir();
        string config = runs.WriteExperimentConfig(tmp.Path);
        string output = CliReferenceRuns.ExperimentOutput(config);
        string first = CliReferenceRuns.ExperimentArms[0], second = CliReferenceRuns.ExperimentArms[1];
        string Train(string arm) => Path.Combine(output, "arms", arm, "train");
        var secondStore = new CheckpointStore(Path.Combine(Train(second), "checkpoints"), 1);
        var rng = Seeded();
        var perStep = reference.PerStep;
        var kills = new List<KillPoint>
        {
            KillPoint.After(reference.UntilFirstCheckpoint * (0.1 + 0.8 * rng.NextDouble())),
            KillPoint.During($"while a checkpoint folder of arm {first} is being written", NewEntry(Path.Combine(Train(first), "checkpoints"), ".tmp-step-*")),
            KillPoint.During($"while the model folder of arm {first} is being written", NewEntry(Train(first), "model*")),
            KillPoint.During($"during the evaluation of arm {first}, once its first embeddings are cached",
                () => Directory.Exists(Path.Combine(output, "arms", first, "eval")) && Directory.EnumerateFiles(Path.Combine(output, "arms", first, "eval"), "*.json", SearchOption.AllDirectories).Any()),
            AtRandomStep(rng, secondStore, perStep, CliReferenceRuns.ExperimentSteps),
            KillPoint.During("during the merge, while results.sqlite is written", NewEntry(output, "results.sqlite.merge-tmp")),
            KillPoint.During("during the report, after results.sqlite", () =>
                File.Exists(Path.Combine(output, ResultsStore.DefaultFileName)) && !File.Exists(Path.Combine(output, ExperimentReport.HtmlFileName))),
        };
        var checkpointFiles = FileSet(NewestCheckpoint(Path.Combine(reference.Output, "arms", first, "train", "checkpoints")));
        var modelFiles = FileSet(Path.Combine(reference.Output, "arms", first, "train", "model"));
        new KillResumeScenario
        {
            WorkingDirectory = tmp.Path,
            FirstArguments = ["experiment", "--config", config, "--output", output],
            RerunArguments = ["experiment", "--config", config, "--output", output],
            LockedFolder = output,
            Journal = journal.WriteLine,
            Describe = () => Directory.Exists(output) ? "in the folder: " + string.Join(", ", Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal)) : "no folder yet",
            AfterKill = _ =>
            {
                foreach (var arm in CliReferenceRuns.ExperimentArms)
                {
                    AssertNoTornCheckpoint(Path.Combine(Train(arm), "checkpoints"), checkpointFiles);
                    if (arm == first) AssertModelFolderWholeOrAbsent(Path.Combine(Train(arm), "model"), modelFiles);
                }
            },
        }.Run(kills);

        List<string> expected, actual;
        using (var store = ResultsStore.OpenFolder(reference.Output)) expected = SlurmExperimentTests.Snapshot(store);
        using (var store = ResultsStore.OpenFolder(output)) actual = SlurmExperimentTests.Snapshot(store);
        Assert.Equal(expected, actual);
        Assert.Equal(SlurmExperimentTests.ReportText(reference.Output), SlurmExperimentTests.ReportText(output));
        foreach (var arm in CliReferenceRuns.ExperimentArms)
        {
            string armReference = Path.Combine(reference.Output, "arms", arm, "train");
            AssertSameBytes(Path.Combine(armReference, "model"), Path.Combine(Train(arm), "model"), "*.safetensors");
            AssertSameTrainingLog(armReference, Train(arm), CliReferenceRuns.ExperimentSteps);
        }
    }

    /// <summary>A random moment inside a step 1–2 steps after where the run resumed (never among the last three steps).</summary>
    internal static KillPoint AtRandomStep(Random rng, CheckpointStore store, TimeSpan perStep, int maxSteps)
    {
        int ahead = rng.Next(1, 3);
        var delay = perStep * rng.NextDouble();
        long? target = null;
        return KillPoint.Once($"at a random step ({ahead} after the resumed one)",
            () => (store.Latest?.Step ?? 0) >= (target ??= Math.Min((store.Latest?.Step ?? 0) + ahead, maxSteps - 3)), delay);
    }

    /// <summary>True once this run has written the final checkpoint and not yet begun the model folder.</summary>
    private static Func<bool> AfterFinalCheckpoint(string checkpoints, int maxSteps, string modelDir)
    {
        var written = NewEntry(checkpoints, CheckpointStore.FolderName(maxSteps));
        return () => written() && !Directory.Exists(modelDir) && !Staging(modelDir).Any();
    }

    /// <summary>
    /// True once a file or folder matching <paramref name="pattern"/> exists in <paramref name="folder"/> that was not
    /// there at the first look (one a killed earlier run left behind does not count).
    /// </summary>
    internal static Func<bool> NewEntry(string folder, string pattern)
    {
        HashSet<string>? before = null;
        return () =>
        {
            var now = Directory.Exists(folder) ? Directory.EnumerateFileSystemEntries(folder, pattern).ToList() : [];
            before ??= [.. now];
            return now.Any(e => !before.Contains(e));
        };
    }

    private static IEnumerable<string> Staging(string modelDir) =>
        Directory.Exists(Path.GetDirectoryName(modelDir)) ? Directory.EnumerateDirectories(Path.GetDirectoryName(modelDir)!, Path.GetFileName(modelDir) + ".tmp-*") : [];

    /// <summary>
    /// True while a validation pass of this run runs: the log's last line, new since the first look, is the training
    /// loss of a step that validates (the validation line follows when the pass is done).
    /// </summary>
    private static Func<bool> InValidation(string metricsPath)
    {
        string? first = null;
        return () =>
        {
            string last = File.Exists(metricsPath) ? File.ReadLines(metricsPath).LastOrDefault(l => l.Length > 0) ?? "" : "";
            first ??= last;
            if (last == first || !last.EndsWith('}')) return false;
            using var line = JsonDocument.Parse(last);
            long step = line.RootElement.GetProperty("step").GetInt64();
            return step % CliReferenceRuns.PretrainEvalEvery == 0 && step < CliReferenceRuns.PretrainSteps && line.RootElement.TryGetProperty("loss", out _);
        };
    }

    internal static string NewestCheckpoint(string root) =>
        new CheckpointStore(root, 1).Latest?.Path ?? throw new InvalidOperationException($"no checkpoint under {root}");

    /// <summary>Relative paths of every file under <paramref name="dir"/>, sorted.</summary>
    internal static List<string> FileSet(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every checkpoint folder that a resume could pick holds every file a checkpoint has.</summary>
    internal static void AssertNoTornCheckpoint(string root, List<string> files)
    {
        if (!Directory.Exists(root)) return;
        foreach (var dir in Directory.GetDirectories(root, "step-*"))
            Assert.True(FileSet(dir).SequenceEqual(files), $"torn checkpoint {dir}: holds [{string.Join(", ", FileSet(dir))}], a checkpoint holds [{string.Join(", ", files)}]");
    }

    /// <summary>A model folder is there whole (every file a finished run's has) or not at all.</summary>
    internal static void AssertModelFolderWholeOrAbsent(string dir, List<string> files)
    {
        if (!Directory.Exists(dir)) return;
        Assert.True(FileSet(dir).SequenceEqual(files), $"torn model folder {dir}: holds [{string.Join(", ", FileSet(dir))}], a finished one holds [{string.Join(", ", files)}]");
    }

    /// <summary>The files matching <paramref name="patterns"/> in <paramref name="actual"/> equal those of <paramref name="expected"/>, byte for byte.</summary>
    internal static void AssertSameBytes(string expected, string actual, params string[] patterns)
    {
        var names = patterns.SelectMany(p => Directory.GetFiles(expected, p)).Select(Path.GetFileName).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(names);
        foreach (var name in names)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name!))),
                $"{Path.Combine(actual, name!)} differs from the uninterrupted run's");
    }

    /// <summary>metrics.jsonl reads like the uninterrupted run's: each step's loss once, the same losses, learning rates and gradient norms.</summary>
    internal static void AssertSameTrainingLog(string expectedRun, string actualRun, int steps, params string[] extraFields)
    {
        static List<string> Lines(string run, string[] fields) => new MetricsLog(Path.Combine(run, "metrics.jsonl")).Read()
            .Select(e => $"{e.Step}|" + string.Join("|", new[] { "loss", "lr", "grad_norm" }.Concat(fields)
                .Select(f => e.Values.TryGetProperty(f, out var v) ? v.GetRawText() : "-")))
            .ToList();
        var expected = Lines(expectedRun, extraFields);
        var actual = Lines(actualRun, extraFields);
        var trainSteps = new MetricsLog(Path.Combine(actualRun, "metrics.jsonl")).Series("loss").Select(p => (int)p.Step).ToList();
        Assert.Equal(Enumerable.Range(1, steps), trainSteps);
        Assert.Equal(expected, actual);
    }

    internal static double ResultNumber(string run, string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json")));
        var value = json.RootElement.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? double.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : value.GetDouble();
    }
}
