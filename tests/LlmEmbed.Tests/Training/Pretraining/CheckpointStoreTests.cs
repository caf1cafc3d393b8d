using LlmEmbed.Tests.Support;
using LlmEmbed.Training;

namespace LlmEmbed.Tests.Training.Pretraining;

public class CheckpointStoreTests
{
    private static void WriteStep(string dir, long step) => File.WriteAllText(Path.Combine(dir, "state.txt"), $"step {step}");

    [Fact]
    public void KeepsOnlyTheNewestCheckpoints()
    {
        using var tmp = TestPaths.NewTempDir();
        var store = new CheckpointStore(tmp.File("ck"), keep: 2);
        Assert.Null(store.Latest);
        for (long step = 10; step <= 50; step += 10)
        {
            string path = store.Save(step, dir => WriteStep(dir, step));
            Assert.Equal(Path.Combine(tmp.File("ck"), CheckpointStore.FolderName(step)), path);
        }
        Assert.Equal([40L, 50L], store.List().Select(c => c.Step));
        Assert.Equal(["step-000040", "step-000050"], Directory.GetDirectories(tmp.File("ck")).Select(Path.GetFileName).Order());
        Assert.Equal(50, store.Latest!.Value.Step);
        Assert.Equal("step 50", File.ReadAllText(Path.Combine(store.Latest.Value.Path, "state.txt")));
        Assert.True(File.Exists(Path.Combine(store.Latest.Value.Path, CheckpointStore.CompleteMarker)));
    }

    [Fact]
    public void FoldersWithoutTheCompleteMarkerAreIgnored()
    {
        using var tmp = TestPaths.NewTempDir();
        var store = new CheckpointStore(tmp.File("ck"), keep: 3);
        store.Save(5, dir => WriteStep(dir, 5));
        // A newer folder that was never completed (e.g. copied by hand or cut short), and names that are not ours.
        Directory.CreateDirectory(Path.Combine(store.Root, CheckpointStore.FolderName(9)));
        File.WriteAllText(Path.Combine(store.Root, CheckpointStore.FolderName(9), "state.txt"), "partial");
        foreach (var odd in new[] { "step-7", "step-abc", "other" })
        {
            Directory.CreateDirectory(Path.Combine(store.Root, odd));
            File.WriteAllText(Path.Combine(store.Root, odd, CheckpointStore.CompleteMarker), "ok");
        }
        Assert.Equal([5L], store.List().Select(c => c.Step));
        Assert.Equal(5, store.Latest!.Value.Step);
    }

    [Fact]
    public void AThrowingWriterLeavesNoHalfWrittenCheckpoint()
    {
        using var tmp = TestPaths.NewTempDir();
        var store = new CheckpointStore(tmp.File("ck"), keep: 2);
        store.Save(1, dir => WriteStep(dir, 1));
        store.Save(2, dir => WriteStep(dir, 2));

        // A new step whose writer fails half-way.
        var e = Assert.Throws<IOException>(() => store.Save(3, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "model.safetensors"), "half");
            throw new IOException("disk full");
        }));
        Assert.Equal("disk full", e.Message);
        // Rewriting an existing step that fails keeps the old one intact.
        Assert.Throws<IOException>(() => store.Save(2, dir => { File.WriteAllText(Path.Combine(dir, "state.txt"), "new"); throw new IOException("again"); }));

        Assert.Equal([1L, 2L], store.List().Select(c => c.Step));
        Assert.Equal("step 2", File.ReadAllText(Path.Combine(store.Latest!.Value.Path, "state.txt")));
        // Nothing else is left in the root: no step-000003, no temporary folder.
        Assert.Equal(["step-000001", "step-000002"], Directory.GetDirectories(store.Root).Select(Path.GetFileName).Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointStore(tmp.File("x"), 0));
    }

    [Fact]
    public void MetricsLogIsCutBackToTheCheckpointStep()
    {
        using var tmp = TestPaths.NewTempDir();
        var log = new MetricsLog(tmp.File("metrics.jsonl"));
        for (long step = 1; step <= 5; step++)
            log.Append(step, new Dictionary<string, object?> { ["loss"] = 10.0 - step, ["note"] = step == 2 ? "x" : null });
        log.Append(5, new Dictionary<string, object?> { ["val_loss"] = 3.5 });
        Assert.Equal([(1.0, 9.0), (2.0, 8.0), (3.0, 7.0), (4.0, 6.0), (5.0, 5.0)], log.Series("loss"));
        Assert.Equal([(5.0, 3.5)], log.Series("val_loss"));

        log.TruncateAfter(3);
        Assert.Equal([1L, 2L, 3L], log.Read().Select(e => e.Step));
        Assert.Empty(log.Series("val_loss"));
        Assert.Equal("x", log.Read().Single(e => e.Step == 2).Values.GetProperty("note").GetString());
        // Non-finite numbers (JSON has none) are written as null and skipped by Series.
        log.Append(3, new Dictionary<string, object?> { ["val_perplexity"] = double.PositiveInfinity, ["val_loss"] = double.NaN });
        Assert.Empty(log.Series("val_perplexity"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, log.Read().Last().Values.GetProperty("val_loss").ValueKind);
        new MetricsLog(tmp.File("absent.jsonl")).TruncateAfter(1); // nothing to cut
        Assert.False(File.Exists(tmp.File("absent.jsonl")));
    }
}
