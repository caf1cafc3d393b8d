using LlmEmbed.Embedding;
using LlmEmbed.Evaluation;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Tests.Evaluation.Harness;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Integration;

/// <summary>
/// Every dataset in ../shared/data evaluated end to end by a tiny random LLM embedding model (real tokenizer,
/// decoder, pooler and IEmbeddingGenerator), subsampled to stay within the test budget: scores in range, one
/// MTEB result file per task that round-trips.
/// </summary>
public class TinyModelEvaluationTests
{
    [Theory]
    [InlineData("eos-causal")]
    [InlineData("multilayer-bidirectional")]
    public async Task EveryDatasetIsEvaluatedByATinyRandomModel(string preset)
    {
        using var tmp = TestPaths.NewTempDir();
        string baseModel = TinyBaseModel.Create(tmp.File("base"));
        using var model = EmbeddingModel.FromBaseModel(EmbeddingPresets.Get(preset, baseModel) with { MaxLength = 48 });
        using var generator = new EmbeddingGenerator(model, preset, new EncodeOptions { BatchSize = 32 });
        var registry = TestRegistry.Load();
        var evaluator = new MtebEvaluator(generator, preset, new MtebEvaluatorOptions
        {
            DataRoot = TestPaths.Data(),
            OutputFolder = tmp.File("results"),
            MaxSamplesPerTask = 40,
            BatchSize = 32,
        });
        var results = await evaluator.EvaluateAsync(registry.Tasks);
        Assert.Equal(registry.Tasks.Count, results.Count);
        foreach (var (task, result) in registry.Tasks.Zip(results))
        {
            Assert.True(double.IsFinite(result.MainScore), $"{task.Name}: {result.MainScore}");
            Assert.InRange(result.MainScore, task.Type == LlmEmbed.Evaluation.Tasks.TaskType.Sts ? -1 : 0, 1);
            var loaded = TaskResult.Load(Path.Combine(tmp.File("results"), TaskResult.FileName(task.Name)));
            Assert.Equal(result.ToJson(), loaded.ToJson());
            Assert.Equal(preset, loaded.ModelId);
        }
    }
}
