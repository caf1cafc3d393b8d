using LlmEmbed.Evaluation;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Harness;

public class EndToEndEvaluationTests
{
    private const int MaxSamples = 150;

    [Fact]
    public async Task EvaluatesEveryDatasetWritesRoundTrippingResultsAndReusesTheCache()
    {
        var registry = TestRegistry.Load();
        using var temp = TestPaths.NewTempDir();
        var messages = new List<string>();
        var options = new MtebEvaluatorOptions
        {
            DataRoot = TestPaths.Data(),
            OutputFolder = temp.File("results"),
            MaxSamplesPerTask = MaxSamples,
            BatchSize = 64,
            Progress = new SynchronousProgress(messages),
        };
        var evaluator = new MtebEvaluator(TestEmbeddingModels.CreateForEndToEnd(), TestEmbeddingModels.ModelId, options);

        var results = await evaluator.EvaluateAsync(registry.Tasks);

        Assert.Equal(registry.Tasks.Count, results.Count);
        Assert.True(evaluator.EncodedTextCount > 0);
        foreach (var (task, result) in registry.Tasks.Zip(results))
        {
            Assert.Equal(task.Name, result.TaskName);
            var entry = Assert.Single(result.Scores[task.EvalSplit]);
            Assert.Equal(entry.Metrics[task.MainScore], entry.MainScore);
            Assert.True(double.IsFinite(entry.MainScore), $"{task.Name}: main score {entry.MainScore}");
            double low = task.Type == TaskType.Sts ? -1 : 0;
            Assert.InRange(entry.MainScore, low, 1);
            Assert.InRange(result.EvaluatedRows, 1, MaxSamples);
            Assert.Contains(result.Warnings, w => w.Contains("subsampled"));

            string path = Path.Combine(options.OutputFolder, TaskResult.FileName(task.Name));
            var loaded = TaskResult.Load(path);
            Assert.Equal(result.TaskName, loaded.TaskName);
            Assert.Equal(result.DatasetRevision, loaded.DatasetRevision);
            Assert.Equal(result.Category, loaded.Category);
            Assert.Equal(task.MainScore, loaded.MainScoreName);
            var loadedEntry = Assert.Single(loaded.Scores[task.EvalSplit]);
            Assert.Equal(entry.MainScore, loadedEntry.MainScore);
            Assert.Equal(entry.Metrics.OrderBy(p => p.Key), loadedEntry.Metrics.OrderBy(p => p.Key));
            Assert.Equal(["eng-Latn"], loadedEntry.LanguageList);
            Assert.Equal(result.ToJson(), loaded.ToJson());
        }

        // Lexical overlap carries real signal on these tasks; a broken pipeline (misaligned rows) would not.
        Assert.True(Score(results, "STSBenchmark") > 0.2, $"STSBenchmark {Score(results, "STSBenchmark")}");
        Assert.True(Score(results, "SciFact") > 0.1, $"SciFact {Score(results, "SciFact")}");
        Assert.True(Score(results, "WikiQA") > 0.3, $"WikiQA {Score(results, "WikiQA")}");

        string summary = ResultsSummary.ToText(results);
        foreach (var task in registry.Tasks) Assert.Contains(task.Name, summary);
        Assert.True(File.Exists(Path.Combine(options.OutputFolder, "summary.md")));
        Assert.Contains(messages, m => m.Contains("SciFact"));

        // A second evaluator over the same cache folder never calls the model and reproduces the scores.
        var again = new MtebEvaluator(TestEmbeddingModels.CreateForEndToEnd(), TestEmbeddingModels.ModelId, options with { OutputFolder = temp.File("again"), CacheFolder = Path.Combine(options.OutputFolder, "embedding-cache") });
        var repeated = await again.EvaluateAsync([registry.Get("STS12"), registry.Get("SciFact"), registry.Get("Banking77Classification")]);
        Assert.Equal(0, again.EncodedTextCount);
        Assert.Equal(Score(results, "STS12"), repeated[0].MainScore);
        Assert.Equal(Score(results, "SciFact"), repeated[1].MainScore);
        Assert.Equal(Score(results, "Banking77Classification"), repeated[2].MainScore);
    }

    private static double Score(IReadOnlyList<TaskResult> results, string name) => results.Single(r => r.TaskName == name).MainScore;

    private sealed class SynchronousProgress(List<string> sink) : IProgress<string>
    {
        public void Report(string value) { lock (sink) sink.Add(value); }
    }
}
