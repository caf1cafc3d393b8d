using LlmEmbed.Experiments;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Experiments;

/// <summary>Seeds in the store (schema 2): one arm row and one loss curve per (arm, seed); version-1 files migrate.</summary>
public class ResultsStoreSeedTests
{
    [Fact]
    public void ArmRunsAndLossCurvesAreKeyedByArmAndSeed()
    {
        using var dir = TestPaths.NewTempDir();
        using var store = ResultsStore.OpenFolder(dir.Path);
        store.UpsertArm(new ArmRecord("a", "{}", ArmStatus.Training, Seed: 2));
        store.UpsertArm(new ArmRecord("a", "{}", ArmStatus.Training, Seed: 10));
        store.SetArmStatus("a", ArmStatus.Trained, dir.Path, 1.5, seed: 10);
        Assert.Equal([(2L, ArmStatus.Training), (10L, ArmStatus.Trained)], store.GetArms().Select(r => (r.Seed!.Value, r.Status)));
        Assert.True(store.IsArmTrained("a", 10));
        Assert.False(store.IsArmTrained("a", 2));
        Assert.False(store.IsArmTrained("a")); // no unseeded run
        store.RecordTrainingLoss("a", [(1, 3.0)], seed: 10);
        store.RecordTrainingLoss("a", [(1, 2.0), (2, 1.0)], seed: 2);
        Assert.Equal([(2L, 2), (10L, 1)], store.GetLossCurves().Select(c => (c.Seed!.Value, c.Points.Count)));

        // The analysis sees seed means; the per-seed scores stay available.
        var perSeed = new[] { new ArmTaskScore("a", "t", "sts", 0.5, 2), new ArmTaskScore("a", "t", "sts", 0.7, 10), new ArmTaskScore("b", "t", "sts", 0.1, 2) };
        Assert.Equal([new ArmTaskScore("a", "t", "sts", 0.6), new ArmTaskScore("b", "t", "sts", 0.1)], SeedMeans.Of(perSeed));
        Assert.Throws<ArgumentException>(() => SeedMeans.Of([perSeed[0], perSeed[0]]));
    }

    [Fact]
    public void AVersion1DatabaseIsMigratedWithoutLosingRows()
    {
        using var dir = TestPaths.NewTempDir();
        string file = dir.File(ResultsStore.DefaultFileName);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE schema_info (version INTEGER NOT NULL); INSERT INTO schema_info VALUES (1);
                CREATE TABLE arms (name TEXT PRIMARY KEY, config_json TEXT NOT NULL, status TEXT NOT NULL, checkpoint_path TEXT, train_seconds REAL, updated_utc TEXT NOT NULL);
                INSERT INTO arms VALUES ('old', '{}', 'trained', NULL, 4.0, '2026-01-01T00:00:00.0000000+00:00');
                CREATE TABLE training_metrics (arm TEXT NOT NULL, step INTEGER NOT NULL, loss REAL NOT NULL, PRIMARY KEY (arm, step));
                INSERT INTO training_metrics VALUES ('old', 1, 0.5);
                """;
            cmd.ExecuteNonQuery();
        }
        using var store = ResultsStore.Open(file);
        var arm = Assert.Single(store.GetArms());
        Assert.Equal(("old", (long?)null, 4.0), (arm.Name, arm.Seed, arm.TrainSeconds!.Value));
        Assert.Equal([(1L, 0.5)], Assert.Single(store.GetLossCurves()).Points);
        store.UpsertArm(new ArmRecord("old", "{}", ArmStatus.Pending, Seed: 1)); // a seeded run beside it
        Assert.Equal(2, store.GetArms().Count);
    }
}
