using LlmEmbed.Evaluation.Results;
using LlmEmbed.Experiments;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tests.Training;

namespace LlmEmbed.Tests.Experiments;

/// <summary>
/// Item scores kept and used: the sidecar file and the store round-trip them, a version-2 store is migrated in
/// place, a hand-computed bootstrap line, and a tiny experiment whose results.sqlite holds the item rows and whose
/// report holds the per-dataset item-level table of its planned hypothesis.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public sealed class ItemLevelTestsTests
{
    [Fact]
    public void TwoItemsGiveTheHandComputedDifferenceIntervalAndP()
    {
        // Per-item differences A − B = [-0.2, +0.5]: Δ = 0.15. A resample of two items is (0,0) → −0.2, mixed → 0.15,
        // (1,1) → 0.5, so the 2.5 % / 97.5 % percentiles are −0.2 and 0.5 (each extreme has ~500 of 2000 draws), and
        // the two-sided p is 2·#(Δ* ≤ 0)/2000 = 2·#(both draws item 0)/2000, counted here by replaying System.Random(12345).
        var a = ItemScores.FromMean([0.5, 0.9]);
        var b = ItemScores.FromMean([0.7, 0.4]);
        var result = ItemScores.Compare(a, b, resamples: 2000, seed: 12345);
        var rng = new Random(12345);
        int bothFirst = 0;
        for (int r = 0; r < 2000; r++)
        {
            int i = rng.Next(2), j = rng.Next(2);
            if (i == 0 && j == 0) bothFirst++;
        }
        Assert.InRange(bothFirst, 400, 600);
        Assert.Equal(0.15, result.Difference, 12);
        Assert.Equal(-0.2, result.Lower, 12);
        Assert.Equal(0.5, result.Upper, 12);
        Assert.Equal(2.0 * bothFirst / 2000, result.PValue, 12);
    }

    [Fact]
    public void SeedsAreAveragedPerArmOverTheSameItems()
    {
        // gold 1..8; A seed 1 predicts in order (ρ = 1), A seed 2 in reverse (ρ = −1): seed mean 0.
        // B swaps the last two: ρ = 1 − 6·(1+1)/(8·63) = 41/42. Δ = 0 − 41/42.
        double[] gold = [1, 2, 3, 4, 5, 6, 7, 8];
        var a1 = ItemScores.FromPredictions([1, 2, 3, 4, 5, 6, 7, 8], gold);
        var a2 = ItemScores.FromPredictions([8, 7, 6, 5, 4, 3, 2, 1], gold);
        var b = ItemScores.FromPredictions([1, 2, 3, 4, 5, 6, 8, 7], gold);
        var result = ItemScores.Compare([a1, a2], [b], resamples: 200);
        Assert.Equal(-41.0 / 42, result.Difference, 12);
        Assert.True(result.Lower < result.Difference && result.Difference < result.Upper);
        // One seed per side is the single comparison, draw for draw.
        Assert.Equal(ItemScores.Compare(a1, b, 200), ItemScores.Compare([a1], [b], 200));
        var otherItems = ItemScores.FromPredictions([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 9]);
        Assert.Contains("not the same items", Assert.Throws<ArgumentException>(() => ItemScores.Compare([a1, otherItems], [b])).Message);
    }

    [Fact]
    public void SidecarFileRoundTripsAtFloat32PrecisionAndNamesBadLines()
    {
        using var tmp = TestPaths.NewTempDir();
        var items = ItemScores.FromPredictions([0.1, 0.123456789012, -0.5], [1, 2.5, 5]);
        string path = ItemScoresFile.Save(tmp.Path, "STS12", "test", items);
        Assert.Equal(Path.Combine(tmp.Path, "STS12.items.tsv"), path);
        Assert.Equal("#llmembed-items\ttask=STS12\tsplit=test\tstatistic=spearman\ngold\tprediction\n1\t0.1\n2.5\t0.12345679\n5\t-0.5\n", File.ReadAllText(path));
        var (task, split, loaded) = ItemScoresFile.Load(path);
        Assert.Equal(("STS12", "test", ItemScores.Spearman), (task, split, loaded.Statistic));
        Assert.Equal([(double)0.1f, (double)0.123456789012f, -0.5], loaded.Columns["prediction"]);
        Assert.Equal(items.Evaluate(), loaded.Evaluate(), 12); // the ranks survive float32

        File.WriteAllText(path, "#llmembed-items\ttask=STS12\tsplit=test\tstatistic=spearman\ngold\tprediction\n1\t0.1\n2\tnan\n");
        var bad = Assert.Throws<FormatException>(() => ItemScoresFile.Load(path));
        Assert.Contains("STS12.items.tsv:4: column 'prediction' holds 'nan'", bad.Message);
        File.WriteAllText(path, "#llmembed-items\ttask=STS12\tsplit=test\tstatistic=spearman\nscore\n1\n");
        Assert.Contains("needs column 'prediction'", Assert.Throws<FormatException>(() => ItemScoresFile.Load(path)).Message);
    }

    [Fact]
    public void AVersion2DatabaseIsMigratedToVersion3InPlace()
    {
        using var dir = TestPaths.NewTempDir();
        string file = dir.File(ResultsStore.DefaultFileName);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            // The version-2 schema as ResultsStore wrote it before item scores.
            cmd.CommandText = """
                CREATE TABLE schema_info (version INTEGER NOT NULL); INSERT INTO schema_info VALUES (2);
                CREATE TABLE experiment (id INTEGER PRIMARY KEY CHECK (id = 1), config_text TEXT NOT NULL, config_hash TEXT NOT NULL, software_versions TEXT NOT NULL, created_utc TEXT NOT NULL);
                CREATE TABLE arms (name TEXT NOT NULL, seed_key TEXT NOT NULL, seed INTEGER, config_json TEXT NOT NULL, status TEXT NOT NULL, checkpoint_path TEXT, train_seconds REAL, updated_utc TEXT NOT NULL, PRIMARY KEY (name, seed_key));
                CREATE TABLE task_scores (arm TEXT NOT NULL, task TEXT NOT NULL, seed_key TEXT NOT NULL, seed INTEGER, category TEXT NOT NULL, split TEXT NOT NULL, main_score REAL NOT NULL, metrics_json TEXT NOT NULL, eval_seconds REAL NOT NULL, updated_utc TEXT NOT NULL, PRIMARY KEY (arm, task, seed_key));
                CREATE TABLE training_metrics (arm TEXT NOT NULL, seed_key TEXT NOT NULL, seed INTEGER, step INTEGER NOT NULL, loss REAL NOT NULL, PRIMARY KEY (arm, seed_key, step));
                INSERT INTO arms VALUES ('eos-causal', '3', 3, '{}', 'trained', NULL, 2.0, '2026-01-01T00:00:00.0000000+00:00');
                INSERT INTO task_scores VALUES ('eos-causal', 'STS12', '3', 3, 'sts', 'test', 0.25, '{}', 1.5, '2026-01-01T00:00:00.0000000+00:00');
                INSERT INTO training_metrics VALUES ('eos-causal', '3', 3, 1, 0.5);
                """;
            cmd.ExecuteNonQuery();
        }
        using (var store = ResultsStore.Open(file))
        {
            Assert.Equal(("eos-causal", (long?)3), (Assert.Single(store.GetArms()).Name, store.GetArms()[0].Seed));
            Assert.Equal(0.25, Assert.Single(store.GetTaskScores()).MainScore);
            Assert.Equal([(1L, 0.5)], Assert.Single(store.GetLossCurves()).Points);
            Assert.Empty(store.GetItemScores());
            store.UpsertItemScores(new ItemScoreRecord("eos-causal", "STS12", "test", ItemScores.FromMean([0.25, 0.75]), 3));
        }
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT version FROM schema_info";
            Assert.Equal(3L, cmd.ExecuteScalar());
            cmd.CommandText = "SELECT item_count || '|' || columns_json FROM item_scores";
            Assert.Equal("2|{\"score\":[0.25,0.75]}", cmd.ExecuteScalar());
        }
        using (var reopened = ResultsStore.Open(file))
        {
            var row = Assert.Single(reopened.GetItemScores());
            Assert.Equal(("eos-causal", "STS12", "test", (long?)3, 0.5), (row.Arm, row.Task, row.Split, row.Seed, row.Items.Evaluate()));
            Assert.True(reopened.HasItemScores("eos-causal", "STS12", 3));
            Assert.False(reopened.HasItemScores("eos-causal", "STS12"));
        }
    }

    private static string F4(double v) => v.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);

    private static string ExperimentYaml(string baseModel) => $$"""
        name: items
        base_model: {{baseModel}}
        seeds: [1, 2]
        arms:
          - preset: eos-causal
          - preset: latent-causal
        training:
          files:
            - path: {{TestPaths.Data("training", "stsb_train_pos.jsonl")}}
          batch_size: 4
          max_steps: 2
          warmup_steps: 1
          learning_rate: 1.0e-3
          checkpoint_every: 2
          log_every: 1
          model: {max_length: 24, dtype: float32}
        evaluation:
          tasks: [STS12, STSBenchmark]
          data: {{TestPaths.Data()}}
          max_samples_per_task: 40
          batch_size: 16
          max_length: 32
        """;

    [Fact]
    public async Task ATinyExperimentStoresItemRowsAndReportsThePlannedItemLevelTable()
    {
        using var tmp = TestPaths.NewTempDir();
        string baseModel = TinyBaseModel.Create(tmp.File("base"));
        var config = ExperimentConfig.Parse(ExperimentYaml(baseModel), "items.yaml");
        string output = tmp.File("out");
        var report = await new ExperimentRunner(config, output).RunAsync();

        // Beside each run's MTEB result, its item scores.
        string eval = ExperimentRunner.EvaluationFolder(output, "latent-causal@seed2");
        Assert.True(File.Exists(Path.Combine(eval, "STS12.json")));
        var (_, _, sidecar) = ItemScoresFile.Load(Path.Combine(eval, "STS12.items.tsv"));
        Assert.Equal(40, sidecar.Count);

        IReadOnlyList<ItemScoreRecord> items;
        using (var store = ResultsStore.OpenFolder(output))
        {
            items = store.GetItemScores();
            // 2 designs × 2 seeds × 2 tasks, plus tfidf-word and tfidf-char (seed-less) on both tasks.
            Assert.Equal(12, items.Count);
            Assert.Equal(8, items.Count(i => i.Seed is 1 or 2));
            Assert.All(items, i => Assert.Equal((ItemScores.Spearman, 40, "test"), (i.Items.Statistic, i.Items.Count, i.Split)));
            // Each row's statistic reproduces the stored main score (float32 items: ranks, so Spearman, are kept).
            var scores = store.GetTaskScores().ToDictionary(s => (s.Arm, s.Task, s.Seed), s => s.MainScore);
            Assert.All(items, i => Assert.Equal(scores[(i.Arm, i.Task, i.Seed)], i.Items.Evaluate(), 4));
            Assert.Equal(sidecar.Columns["prediction"], items.Single(i => i.Arm == "latent-causal" && i.Seed == 2 && i.Task == "STS12").Items.Columns["prediction"]);
        }

        // The report's item-level table: only the planned pair (latent-causal vs eos-causal), one row per dataset,
        // each with the seed-mean bootstrap the stored items give.
        string md = File.ReadAllText(report.MarkdownPath);
        Assert.Contains("\n## Per-dataset item-level tests (planned hypotheses)\n", md);
        Assert.Contains("Item-level tests per dataset: latent-causal vs eos-causal (last-layer trainable pooling vs EOS (causal))", md);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(md, "Item-level tests per dataset:"));
        foreach (string task in new[] { "STS12", "STSBenchmark" })
        {
            List<ItemScores> Of(string arm) => items.Where(i => i.Arm == arm && i.Task == task).OrderBy(i => i.Seed).Select(i => i.Items).ToList();
            var expected = ItemScores.Compare(Of("latent-causal"), Of("eos-causal"));
            string row = $"| sts | {task} | 40 | 2/2 | {F4(expected.Difference)} | [{F4(expected.Lower)}, {F4(expected.Upper)}] | {DesignComparisonResult.FormatP(expected.PValue)} |";
            Assert.Contains(row, md);
        }
        string html = File.ReadAllText(report.HtmlPath);
        Assert.Contains("Item-level tests per dataset: latent-causal vs eos-causal", html);
        // The across-dataset tables are still there.
        Assert.Contains("Planned comparisons (Wilcoxon over datasets, Holm within the planned family of each category)", md);
    }
}
