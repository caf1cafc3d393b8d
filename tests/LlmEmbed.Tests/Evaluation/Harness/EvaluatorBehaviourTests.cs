using LlmEmbed.Evaluation;
using LlmEmbed.Evaluation.Evaluators;
using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Harness;

public class EvaluatorBehaviourTests
{
    [Fact]
    public void UndersamplingTakesTheFirstRowsOfEachLabelInShuffledOrder()
    {
        int[] labels = [0, 0, 1, 1, 0, 2, 1];
        int[] shuffled = [6, 5, 4, 3, 2, 1, 0];
        // Label of 6,5,4,3,2,1,0 = 1,2,0,1,1,0,0 -> two per label: 6(1) 5(2) 4(0) 3(1) [2 skipped: third 1] 1(0).
        Assert.Equal([6, 5, 4, 3, 1], Sampling.UndersamplePerLabel(shuffled, labels, 2));
    }

    [Fact]
    public void SubsetIndicesAreDeterministicSortedAndDistinct()
    {
        int[] a = Sampling.SubsetIndices(100, 10, 42);
        Assert.Equal(a, Sampling.SubsetIndices(100, 10, 42));
        Assert.Equal(a.Order(), a);
        Assert.Equal(10, a.Distinct().Count());
        Assert.NotEqual(a, Sampling.SubsetIndices(100, 10, 43));
    }

    [Fact]
    public async Task SplitsTestOnlyClassificationIntoHalvesAndHonoursCancellation()
    {
        var registry = TestRegistry.Load();
        using var temp = TestPaths.NewTempDir();
        var options = new MtebEvaluatorOptions { DataRoot = TestPaths.Data(), OutputFolder = temp.Path, MaxSamplesPerTask = 40, CacheFolder = "" };
        var generator = new TrigramEmbeddingGenerator(64);
        var evaluator = new MtebEvaluator(generator, "m", options);

        var result = await evaluator.EvaluateTaskAsync(registry.Get("MR"));

        // Half of the 10662 rows are the test half, then subsampled to 40.
        Assert.Equal(40, result.EvaluatedRows);
        Assert.InRange(result.MainScore, 0, 1);
        // Train and test halves are disjoint: no text was sent twice (the encoder deduplicates only within a call).
        var sent = generator.Batches.SelectMany(b => b).ToArray();
        Assert.Equal(sent.Length, sent.Distinct().Count());

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => evaluator.EvaluateAsync([registry.Get("STS12")], cancelled.Token));
    }
}
