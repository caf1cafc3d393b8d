using System.Text.RegularExpressions;
using LlmEmbed.Experiments;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tests.Training;

namespace LlmEmbed.Tests.ScaleOut;

/// <summary>
/// An experiment submitted to a real Slurm cluster with <c>llm-embed experiment submit</c> (one array task per arm,
/// then the dependent merge job) ends with the same database content and the same report as a local run.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class SlurmExperimentTests : IClassFixture<SlurmCluster>
{
    private readonly SlurmCluster cluster;

    public SlurmExperimentTests(SlurmCluster cluster) => this.cluster = cluster;

    internal static string ExperimentYaml(string baseModel) => $$"""
        name: slurm-test
        base_model: {{baseModel}}
        seeds: [7]
        arms:
          - preset: eos-causal
          - preset: latent-bidirectional
        training:
          files:
            - path: {{TestPaths.Data("training", "stsb_train_pos.jsonl")}}
          batch_size: 4
          max_steps: 2
          warmup_steps: 1
          learning_rate: 1.0e-3
          checkpoint_every: 1
          log_every: 1
          threads: 1
          model: {max_length: 24, dtype: float32}
        evaluation:
          tasks: [STS12]
          data: {{TestPaths.Data()}}
          max_samples_per_task: 40
          batch_size: 16
          max_length: 32
          instructions: none
        """;

    /// <summary>Everything in the database except wall-clock times and the software/time stamps.</summary>
    internal static List<string> Snapshot(ResultsStore store) =>
        store.GetTaskScores().Select(s => $"score|{s.Arm}|{s.Seed}|{s.Task}|{s.Category}|{s.Split}|{s.MainScore:R}|{s.MetricsJson}")
            .Concat(store.GetArms().Select(a => $"arm|{a.Name}|{a.Seed}|{a.Status}|{a.CheckpointPath}|{a.ConfigJson}"))
            .Concat(store.GetLossCurves().SelectMany(c => c.Points.Select(p => $"loss|{c.Arm}|{c.Seed}|{p.Step}|{p.Loss:R}")))
            .Append($"config|{store.GetExperiment()!.ConfigHash}")
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>The report without its one time stamp (when the experiment was recorded).</summary>
    internal static string ReportText(string folder) =>
        Regex.Replace(File.ReadAllText(Path.Combine(folder, ExperimentReport.MarkdownFileName)), @"recorded [0-9-]+ [0-9:]+Z", "recorded <time>");

    [Fact]
    public async Task SubmittedArrayAndMergeEqualALocalRun()
    {
        cluster.Require();
        using var tmp = TestPaths.NewTempDir();
        string baseModel = TinyBaseModel.Create(tmp.File("base"));
        string configPath = tmp.File("experiment.yaml");
        File.WriteAllText(configPath, ExperimentYaml(baseModel));
        var config = ExperimentConfig.Load(configPath);

        string local = tmp.File("local");
        await new ExperimentRunner(config, local).RunAsync();

        string onCluster = tmp.File("cluster");
        string submitted = CliProcess.Ok(tmp.Path, "experiment", "submit", "--config", configPath, "--output", onCluster, "--cpus-per-task", "1", "--time", "20:00");
        var ids = Regex.Match(submitted, @"array job (\d+) \(2 tasks\), merge job (\d+)");
        Assert.True(ids.Success, submitted);
        string array = ids.Groups[1].Value, merge = ids.Groups[2].Value;

        // Wait until neither job is known to squeue any more (pending or running).
        var deadline = DateTime.UtcNow.AddMinutes(15);
        while (true)
        {
            var (exit, queued, err) = SlurmCluster.Run("squeue", ["-h", "-j", $"{array},{merge}", "-o", "%i %T"]);
            Assert.True(exit == 0 || err.Contains("Invalid job id"), $"squeue failed: {err}");
            if (exit != 0 || queued.Trim().Length == 0) break;
            Assert.True(DateTime.UtcNow < deadline, $"jobs still queued after 15 minutes:\n{queued}\n{Logs(onCluster)}");
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        Assert.True(File.Exists(Path.Combine(onCluster, ResultsStore.DefaultFileName)), "the merge job wrote no results.sqlite:\n" + Logs(onCluster));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(onCluster, "logs")).Length); // two array tasks and the merge

        using (var expected = ResultsStore.OpenFolder(local))
        using (var actual = ResultsStore.OpenFolder(onCluster))
        {
            var snapshot = Snapshot(expected);
            Assert.Equal(2, expected.GetArms().Count);
            Assert.All(expected.GetArms(), a => Assert.Equal(7L, a.Seed));
            Assert.Equal(snapshot, Snapshot(actual));
        }
        Assert.Equal(ReportText(local), ReportText(onCluster));

        string status = CliProcess.Ok(tmp.Path, "experiment", "status", onCluster);
        Assert.Contains("2/2 arm runs done; results.sqlite written", status);
        Assert.Matches(@"eos-causal\s+done \(1/1 tasks\)", status);
    }

    private static string Logs(string folder)
    {
        string logs = Path.Combine(folder, "logs");
        if (!Directory.Exists(logs)) return "(no logs folder)";
        return string.Join("\n", Directory.GetFiles(logs).Order().Select(f => $"--- {Path.GetFileName(f)}\n{string.Join("\n", File.ReadLines(f).TakeLast(30))}"));
    }
}
