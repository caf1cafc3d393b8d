using LlmEmbed.Experiments;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Experiments;

public class ResultsStoreTests
{
    [Fact]
    public void RoundTripsEveryTableAndUpsertsAreIdempotent()
    {
        using var dir = TestPaths.NewTempDir();
        string checkpoint = dir.File("ckpt-alpha");
        Directory.CreateDirectory(checkpoint);

        using (var store = ResultsStore.OpenFolder(dir.Path))
        {
            Assert.Equal(dir.File(ResultsStore.DefaultFileName), store.Path);
            Assert.Null(store.GetExperiment());
            var first = store.RecordExperiment("arms: [alpha, beta]\n", "dotnet 10; TorchSharp 0.107.0");
            Assert.Equal(ResultsStore.HashConfig("arms: [alpha, beta]\n"), first.ConfigHash);
            Assert.Equal(64, first.ConfigHash.Length);

            store.UpsertArm(new ArmRecord("alpha", """{"pooling":"mean"}""", ArmStatus.Pending));
            store.UpsertArm(new ArmRecord("beta", """{"pooling":"last"}""", ArmStatus.Pending));
            Assert.False(store.IsArmTrained("alpha"));
            store.SetArmStatus("alpha", ArmStatus.Trained, checkpoint, 12.5);
            store.SetArmStatus("beta", ArmStatus.Trained, dir.File("missing-checkpoint"), 3);
            Assert.True(store.IsArmTrained("alpha"));
            Assert.False(store.IsArmTrained("beta")); // checkpoint vanished -> must retrain
            Assert.False(store.IsArmTrained("gamma"));

            store.UpsertTaskScore(new TaskScoreRecord("alpha", "STS12", "sts", "test", 0.7, """{"cosine_spearman":0.7}""", 1.5));
            store.UpsertTaskScore(new TaskScoreRecord("alpha", "STS12", "sts", "test", 0.75, """{"cosine_spearman":0.75}""", 1.25)); // rerun
            store.UpsertTaskScore(new TaskScoreRecord("alpha", "STS12", "sts", "test", 0.71, "{}", 1, Seed: 1));
            Assert.True(store.HasScore("alpha", "STS12"));
            Assert.True(store.HasScore("alpha", "STS12", 1));
            Assert.False(store.HasScore("alpha", "STS12", 2));
            Assert.False(store.HasScore("beta", "STS12"));

            store.RecordTrainingLoss("alpha", [(1, 2.0), (2, 1.5)]);
            store.RecordTrainingLoss("alpha", [(2, 1.4), (3, 1.2)]); // step 2 overwritten, not duplicated
        }

        // Reopen: everything persisted, same config is accepted again and keeps its creation time.
        using (var store = ResultsStore.Open(dir.File(ResultsStore.DefaultFileName)))
        {
            var before = store.GetExperiment()!;
            var again = store.RecordExperiment("arms: [alpha, beta]\n", "dotnet 10; TorchSharp 0.107.0");
            Assert.Equal(before.CreatedUtc, again.CreatedUtc);
            Assert.Throws<IOException>(() => store.RecordExperiment("arms: [other]\n", "x"));

            var alpha = store.GetArm("alpha")!;
            Assert.Equal(ArmStatus.Trained, alpha.Status);
            Assert.Equal(checkpoint, alpha.CheckpointPath);
            Assert.Equal(12.5, alpha.TrainSeconds);
            Assert.Equal(["alpha", "beta"], store.GetArms().Select(a => a.Name).ToArray());

            var scores = store.GetTaskScores();
            Assert.Equal(2, scores.Count);
            var unseeded = scores.Single(s => s.Seed is null);
            Assert.Equal(0.75, unseeded.MainScore);
            Assert.Equal(1.25, unseeded.EvalSeconds);
            Assert.Equal("""{"cosine_spearman":0.75}""", unseeded.MetricsJson);
            Assert.Equal(1L, scores.Single(s => s.Seed is not null).Seed);
            Assert.Contains(new ArmTaskScore("alpha", "STS12", "sts", 0.71, 1), store.GetArmTaskScores());

            var curve = Assert.Single(store.GetLossCurves());
            Assert.Equal("alpha", curve.Arm);
            Assert.Equal([(1L, 2.0), (2L, 1.4), (3L, 1.2)], curve.Points.ToArray());
        }
    }

    [Fact]
    public void RejectsBadInputWithClearMessages()
    {
        using var dir = TestPaths.NewTempDir();
        using var store = ResultsStore.OpenFolder(dir.Path);
        Assert.Throws<ArgumentException>(() => store.UpsertArm(new ArmRecord("a", "{not json", ArmStatus.Pending)));
        Assert.Throws<ArgumentException>(() => store.UpsertArm(new ArmRecord(" ", "{}", ArmStatus.Pending)));
        var ex = Assert.Throws<ArgumentException>(() => store.UpsertTaskScore(new TaskScoreRecord("a", "t", "sts", "test", double.NaN)));
        Assert.Contains("'t'", ex.Message);
        Assert.Throws<ArgumentException>(() => store.RecordTrainingLoss("a", [(1, double.PositiveInfinity)]));
        Assert.Throws<InvalidOperationException>(() => store.SetArmStatus("nope", ArmStatus.Trained));
        Assert.Throws<ArgumentException>(() => ResultsStore.Open(dir.Path)); // a folder, not a file
    }

    [Fact]
    public void ReplacingTheConfigIsExplicit()
    {
        using var dir = TestPaths.NewTempDir();
        using var store = ResultsStore.OpenFolder(dir.Path);
        store.RecordExperiment("a", "v1");
        var replaced = store.RecordExperiment("b", "v2", replaceDifferentConfig: true);
        Assert.Equal("b", replaced.ConfigText);
        Assert.Equal("v2", replaced.SoftwareVersions);
    }
}
