using LlmEmbed.Embedding;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tests.Training;

namespace LlmEmbed.Tests.ScaleOut;

/// <summary>
/// <c>embed --shard I/4</c> four times, then <c>embed merge</c>, gives the very bytes of one unsharded <c>embed</c>
/// (the real CLI on a tiny random model and real STS sentences, .npy and .jsonl); merge refuses a missing or
/// duplicated shard, a text in two shards and shards of another input.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class ShardedEmbedTests
{
    [Fact]
    public void FourShardsMergedEqualOneUnshardedEmbedByteForByte()
    {
        using var tmp = TestPaths.NewTempDir();
        string baseModel = TinyBaseModel.Create(tmp.File("base"));
        string modelDir = tmp.File("model");
        using (var model = EmbeddingModel.FromBaseModel(EmbeddingPresets.Get("latent-bidirectional", baseModel) with { MaxLength = 32 }))
            model.Save(modelDir);
        // 103 real sentences of varied length: 103 is not a multiple of 4, so the shards differ in size.
        var sentences = File.ReadLines(TestPaths.Data("training", "stsb_train_pos.jsonl")).Take(103)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("query").GetString()!).ToList();
        string input = tmp.File("texts.txt");
        File.WriteAllLines(input, sentences);

        foreach (string ext in new[] { "npy", "jsonl" })
        {
            string whole = tmp.File($"whole.{ext}");
            CliProcess.Ok(tmp.Path, "embed", "--model", modelDir, "--input", input, "--output", whole, "--batch-size", "8", "--device", "cpu");
            var shardFiles = new List<string>();
            foreach (int i in new[] { 2, 0, 3, 1 }) // any order
            {
                string part = tmp.File($"part{i}.{ext}");
                CliProcess.Ok(tmp.Path, "embed", "--model", modelDir, "--input", input, "--output", part, "--batch-size", "8", "--device", "cpu", "--shard", $"{i}/4");
                shardFiles.Add(part);
            }
            // 103 texts in batches of 8 = 13 batches; shards hold 3, 3, 3 and 4 batches (the last batch has 7 texts).
            Assert.Equal([24, 24, 24, 31], Enumerable.Range(0, 4).Select(i => EmbeddingShard.ReadSidecar(tmp.File($"part{i}.{ext}")).Indices.Count));
            string merged = tmp.File($"merged.{ext}");
            CliProcess.Ok(tmp.Path, ["embed", "merge", "--output", merged, .. shardFiles]);
            Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(merged));
            Assert.Equal(103, ext == "npy" ? NpyReader.ReadFloat32(merged).Length : File.ReadAllLines(merged).Length);

            // Missing and duplicated shards are named.
            var (exit, _, err) = CliProcess.Run(tmp.Path, ["embed", "merge", "--output", tmp.File($"bad.{ext}"), .. shardFiles.Where(f => !f.Contains("part3")), shardFiles[0]]);
            Assert.Equal(2, exit);
            Assert.Contains("shard 2 given 2 times", err);
            Assert.Contains("missing shard(s) 3 of 4", err);
            Assert.False(File.Exists(tmp.File($"bad.{ext}")));
        }
    }

    [Fact]
    public void ShardPlansAreWholeBatchesOfTheLongestFirstOrderAndCoverTheInput()
    {
        // Token counts of 7 texts; batch size 2 → plan order 1,4 | 0,2 | 3,6 | 5 (longest first, ties by position).
        int[] counts = [5, 9, 5, 3, 9, 1, 3];
        Assert.Equal([1, 4, 0, 2], EmbeddingShard.Plan(counts, 2, 0, 2));
        Assert.Equal([3, 6, 5], EmbeddingShard.Plan(counts, 2, 1, 2));
        foreach (int total in new[] { 0, 1, 3, 4, 103 })
            foreach (int count in new[] { 1, 2, 4, 7 })
            {
                var lengths = Enumerable.Range(0, total).Select(i => (i * 37) % 11).ToList();
                var all = Enumerable.Range(0, count).SelectMany(i => EmbeddingShard.Plan(lengths, 8, i, count)).ToList();
                Assert.Equal(Enumerable.Range(0, total), all.Order());
            }
        Assert.Equal((1, 4), EmbeddingShard.ParseSpec("1/4"));
        Assert.Throws<ArgumentException>(() => EmbeddingShard.ParseSpec("4/4"));
        Assert.Throws<ArgumentException>(() => EmbeddingShard.ParseSpec("1-4"));
    }

    [Fact]
    public void ShardsOfAnotherInputAreRefused()
    {
        using var tmp = TestPaths.NewTempDir();
        string a = tmp.File("a.npy"), b = tmp.File("b.npy");
        NpyWriter.WriteFloat32(a, [[1f, 2f]]);
        NpyWriter.WriteFloat32(b, [[3f, 4f]]);
        new EmbeddingShard(0, 2, 2, 8, new string('a', 64), 2, [1]).WriteSidecar(a);
        new EmbeddingShard(1, 2, 2, 8, new string('b', 64), 2, [0]).WriteSidecar(b);
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingShards.Merge([a, b], tmp.File("m.npy")));
        Assert.Contains("shard of another input", e.Message);
        new EmbeddingShard(1, 2, 2, 8, new string('a', 64), 2, [1]).WriteSidecar(b);
        Assert.Contains("text 1 is also in shard", Assert.Throws<InvalidDataException>(() => EmbeddingShards.Merge([a, b], tmp.File("m.npy"))).Message);
        new EmbeddingShard(1, 2, 2, 8, new string('a', 64), 2, [0]).WriteSidecar(b);
        EmbeddingShards.Merge([b, a], tmp.File("m.npy"));
        Assert.Equal([[3f, 4f], [1f, 2f]], NpyReader.ReadFloat32(tmp.File("m.npy"))); // rows placed by input position
    }
}
