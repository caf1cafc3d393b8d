using LlmEmbed.Embedding;
using LlmEmbed.Tests.Support;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Tests.Training;

[Collection(TorchRandomCollection.Name)]
public class HardNegativeMinerTests
{
    // Documents "d00".."d19" lie at angle 3°×index from the x axis, so for a query on the x axis the search
    // ranks them by index. The corpus also holds a second copy of the positive's text.
    private static float[] At(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180)];

    private static float[][] Embed(IReadOnlyList<string> texts) =>
        texts.Select(t => t.StartsWith('d') ? At(3 * int.Parse(t[1..])) : At(0)).ToArray();

    private static readonly List<string> Corpus = [.. Enumerable.Range(0, 20).Select(i => $"d{i:D2}"), "d00"];

    [Fact]
    public void PicksFromTheRankWindowAfterDroppingThePositiveAndItsDuplicates()
    {
        // Positive d00 is rank 1 (and its duplicate rank 2): eligible ranks 1,2,3... are d01, d02, d03...
        var rows = new[] { new ContrastiveExample("query", "d00", null, null, "t", 1) };
        var first = new HardNegativeMiner(Embed, Embed, new RankRange(3, 5), pickFirst: true).Mine(rows, Corpus);
        Assert.Equal("d03", first.Rows[0].Negative);
        Assert.Equal(1, first.Mined);

        var picks = Enumerable.Range(0, 40)
            .Select(seed => new HardNegativeMiner(Embed, Embed, new RankRange(3, 5), seed).Mine(rows, Corpus).Rows[0].Negative)
            .ToHashSet();
        Assert.Equal(["d03", "d04", "d05"], picks.Order());
    }

    [Fact]
    public void NeverPicksThePositiveOrTheQueryAndKeepsRowsWithoutCandidates()
    {
        // Positive d05 is ranked 6th; window 5:7 would include it without filtering. The query text is also in the corpus.
        var rows = new[]
        {
            new ContrastiveExample("query", "d05", null, null, "t", 1),
            new ContrastiveExample("d03", "d04", "old", null, "t", 2),
        };
        var corpus = Corpus.Append("query").ToList();
        var result = new HardNegativeMiner(Embed, Embed, new RankRange(25, 30)).Mine(rows, corpus);
        Assert.Equal(2, result.NoCandidate); // the window is beyond the corpus: nothing to pick, rows unchanged
        Assert.Equal("old", result.Rows[1].Negative);

        for (int seed = 0; seed < 20; seed++)
        {
            var mined = new HardNegativeMiner(Embed, Embed, new RankRange(1, 7), seed).Mine(rows, corpus).Rows;
            Assert.NotEqual("d05", mined[0].Negative);
            Assert.NotEqual("query", mined[0].Negative);
            Assert.NotEqual("d04", mined[1].Negative);
            Assert.NotEqual("d03", mined[1].Negative);
        }
    }

    [Fact]
    public void MinesRealRowsWithAModelEncoder()
    {
        var rows = ContrastiveDataReader.Read(TestPaths.Data("training", "mrpc_train_pos.jsonl"), BadRowPolicy.Fail, new DataValidationSummary()).Take(80).ToList();
        TorchSharp.torch.manual_seed(3);
        using var encoder = new TrigramTestEncoder();
        var corpus = HardNegativeMiner.CorpusOf(rows);
        var result = new HardNegativeMiner(t => encoder.Embed(t, TextRole.Query), t => encoder.Embed(t, TextRole.Document), RankRange.Parse("2:10"))
            .Mine(rows, corpus);
        Assert.Equal(80, result.Mined);
        Assert.All(result.Rows.Zip(rows), p =>
        {
            Assert.NotNull(p.First.Negative);
            Assert.NotEqual(p.Second.Positive, p.First.Negative);
            Assert.Equal(p.Second.Query, p.First.Query);
        });

        using var dir = TestPaths.NewTempDir();
        ContrastiveDataWriter.Write(dir.File("mined.jsonl"), result.Rows);
        var back = ContrastiveDataReader.Read(dir.File("mined.jsonl"), BadRowPolicy.Fail, new DataValidationSummary());
        Assert.Equal(result.Rows.Select(r => (r.Query, r.Positive, r.Negative)), back.Select(r => (r.Query, r.Positive, r.Negative)));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("0:5")]
    [InlineData("9:3")]
    [InlineData("a:b")]
    public void BadRankRangesAreRejected(string text)
    {
        var e = Record.Exception(() => RankRange.Parse(text));
        Assert.True(e is FormatException or ArgumentOutOfRangeException, e?.GetType().Name);
    }
}
