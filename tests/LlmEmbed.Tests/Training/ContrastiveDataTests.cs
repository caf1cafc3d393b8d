using LlmEmbed.Tests.Support;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Tests.Training;

public class ContrastiveDataTests
{
    private static readonly string[] Lines =
    [
        """{"query": "q1", "positive": "p1", "negative": "n1"}""",
        "{\"query\": \"q2\", \"positive\": \"p2\"",                     // truncated JSON
        """{"query": "q3", "negative": "n3"}""",                        // missing positive
        """{"query": "  ", "positive": "p4"}""",                        // empty query
        """{"query": "q5", "positive": 5}""",                           // non-string field
        """{"query": "q6", "positive": "p6", "negative": null, "instruction": "find it"}""",
        """["q7", "p7"]""",                                             // not an object
        """{"query": "q8", "positive": "p8", "negative": ["x"]}""",     // negative of the wrong type
        """{"query": "q9", "positive": "p9"}""",
    ];

    [Fact]
    public void MalformedRowsAreReportedWithFileAndLineAndCounted()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("rows.jsonl");
        File.WriteAllLines(path, Lines);
        var summary = new DataValidationSummary();

        var rows = ContrastiveDataReader.Read(path, BadRowPolicy.Skip, summary, defaultInstruction: "default");

        Assert.Equal(["q1", "q6", "q9"], rows.Select(r => r.Query));
        Assert.Equal([1, 6, 9], rows.Select(r => r.Line));
        Assert.Equal("n1", rows[0].Negative);
        Assert.Null(rows[1].Negative);
        Assert.Equal("find it", rows[1].Instruction);
        Assert.Equal("default", rows[2].Instruction);
        Assert.Equal(3, summary.RowsKept);
        Assert.Equal(6, summary.RowsSkipped);
        Assert.Equal(1, summary.SkippedByReason["invalid JSON"]);
        Assert.Equal(1, summary.SkippedByReason["missing field 'positive'"]);
        Assert.Equal(1, summary.SkippedByReason["field 'query' is empty"]);
        Assert.Equal(1, summary.SkippedByReason["field 'positive' must be a string (got number)"]);
        Assert.Equal(1, summary.SkippedByReason["not a JSON object"]);
        Assert.Equal(1, summary.SkippedByReason["field 'negative' must be a string (got array)"]);
        Assert.Equal(
            [$"{path}:2: invalid JSON", $"{path}:3: missing field 'positive'", $"{path}:4: field 'query' is empty", $"{path}:5: field 'positive' must be a string (got number)", $"{path}:7: not a JSON object (got array)", $"{path}:8: field 'negative' must be a string (got array)"],
            summary.Examples.Select(e => e.StartsWith($"{path}:2: invalid JSON", StringComparison.Ordinal) ? $"{path}:2: invalid JSON" : e));
    }

    [Theory]
    [InlineData(2, "invalid JSON")]
    [InlineData(3, "missing field 'positive'")]
    public void FailPolicyStopsAtTheFirstBadRowWithItsLocation(int badLine, string reason)
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("rows.jsonl");
        File.WriteAllLines(path, [Lines[0], .. Lines.Skip(badLine - 1).Take(1), Lines[8]]);
        var e = Assert.Throws<InvalidDataException>(() => ContrastiveDataReader.Read(path, BadRowPolicy.Fail, new DataValidationSummary()));
        Assert.StartsWith($"{path}:2: {reason}", e.Message);
    }

    [Fact]
    public void SharedTrainingFilesAreValid()
    {
        // snli_triplets has a hard negative on every row (README: 6,319 rows); mrpc has none.
        var summary = new DataValidationSummary();
        var snli = ContrastiveDataReader.Read(TestPaths.Data("training", "snli_triplets.jsonl"), BadRowPolicy.Fail, summary);
        var mrpc = ContrastiveDataReader.Read(TestPaths.Data("training", "mrpc_train_pos.jsonl"), BadRowPolicy.Fail, summary);
        Assert.Equal(6319, snli.Count);
        Assert.All(snli, r => Assert.NotNull(r.Negative));
        Assert.Equal(2581, mrpc.Count);
        Assert.All(mrpc, r => Assert.Null(r.Negative));
        Assert.Equal(0, summary.RowsSkipped);
    }

    private static List<ContrastiveExample> Rows(string prefix, int n) =>
        Enumerable.Range(0, n).Select(i => new ContrastiveExample($"{prefix}q{i}", $"{prefix}p{i}", null, null, prefix, i + 1)).ToList();

    [Fact]
    public void MixtureEpochsDrawEachRowByItsWeightAndSeedFixesTheOrder()
    {
        var a = Rows("a", 10);
        var b = Rows("b", 6);
        var mixture = new ContrastiveDataMixture([a, b], [1.0, 2.0], seed: 3);
        Assert.Equal(22, mixture.RowsPerEpoch);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var drawn = mixture.Batch(epoch * 22, 22);
            Assert.Equal(a.Select(r => r.Query).Order(), drawn.Where(r => r.Source == "a").Select(r => r.Query).Order());
            Assert.All(drawn.Where(r => r.Source == "b").GroupBy(r => r.Query), g => Assert.Equal(2, g.Count()));
        }

        var again = new ContrastiveDataMixture([a, b], [1.0, 2.0], seed: 3);
        var other = new ContrastiveDataMixture([a, b], [1.0, 2.0], seed: 4);
        Assert.Equal(mixture.Batch(0, 66).Select(r => r.Query), again.Batch(0, 66).Select(r => r.Query));
        Assert.NotEqual(mixture.Batch(0, 22).Select(r => r.Query), other.Batch(0, 22).Select(r => r.Query));
        // Random access (resume) agrees with sequential reading, and epochs are shuffled differently.
        Assert.Equal(mixture.Batch(30, 5).Select(r => r.Query), again.Batch(0, 66).Skip(30).Take(5).Select(r => r.Query));
        Assert.NotEqual(mixture.Batch(0, 22).Select(r => r.Query), mixture.Batch(22, 22).Select(r => r.Query));
    }

    [Fact]
    public void FractionalWeightsTakeADifferentSubsetEachEpoch()
    {
        var a = Rows("a", 10);
        var mixture = new ContrastiveDataMixture([a], [0.5], seed: 1);
        Assert.Equal(5, mixture.RowsPerEpoch);
        var first = mixture.Batch(0, 5).Select(r => r.Query).ToHashSet();
        var second = mixture.Batch(5, 5).Select(r => r.Query).ToHashSet();
        Assert.Equal(5, first.Count);
        Assert.Empty(first.Intersect(second)); // the two halves of one permutation
    }
}
