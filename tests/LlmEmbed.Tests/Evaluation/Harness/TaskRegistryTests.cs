using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Harness;

public class TaskRegistryTests
{
    [Fact]
    public void CoversEveryEvaluationDatasetInSharedData()
    {
        var registry = TestRegistry.Load();
        string[] typeFolders = ["sts", "retrieval", "reranking", "classification", "clustering", "pair_classification"];
        var datasetFolders = typeFolders.SelectMany(t => Directory.GetDirectories(TestPaths.Data(t)).Select(d => t + "/" + Path.GetFileName(d))).ToArray();
        Assert.NotEmpty(datasetFolders);
        foreach (string folder in datasetFolders)
            Assert.Contains(registry.Tasks, t => t.Path == folder);
        foreach (var task in registry.Tasks)
        {
            Assert.True(Directory.Exists(TestPaths.Data(task.Path)), $"{task.Name}: {task.Path} missing");
            // Clustering tasks of our construction cluster a labelled classification set (docs/evaluation.md).
            bool constructedClustering = task.Type == TaskType.Clustering && task.Path.StartsWith("classification/", StringComparison.Ordinal)
                && task.Notes is { } notes && notes.StartsWith("Our construction", StringComparison.Ordinal);
            if (!constructedClustering) Assert.Equal(task.Path.Split('/')[0], TaskTypeNames.ToName(task.Type));
            Assert.False(string.IsNullOrWhiteSpace(task.Instruction), $"{task.Name} has no instruction");
        }
    }

    [Fact]
    public void SelectsByNameFolderNameAndType()
    {
        var registry = TestRegistry.Load();
        var selected = registry.Select(["SciFact", "banking77"], [TaskType.Sts]);
        Assert.Contains(selected, t => t.Name == "SciFact");
        Assert.Contains(selected, t => t.Name == "Banking77Classification");
        Assert.Equal(7, selected.Count(t => t.Type == TaskType.Sts));
        Assert.Equal(32, registry.Get("AmazonCounterfactualClassification").SamplesPerLabel);
        Assert.Equal(8, registry.Get("Banking77Classification").SamplesPerLabel);
        Assert.Null(registry.Get("MR").TrainSplit);
        var error = Assert.Throws<ArgumentException>(() => registry.Get("NoSuchTask"));
        Assert.Contains("NoSuchTask", error.Message);
    }

    [Fact]
    public void ParseErrorsNameTheTaskAndField()
    {
        var error = Assert.Throws<FormatException>(() => TaskRegistry.Parse("""{"tasks":[{"name":"X","type":"sts","category":"STS","path":"sts/X","main_score":"cosine_spearman"}]}""", "my.json"));
        Assert.Contains("my.json", error.Message);
        Assert.Contains("eval_split", error.Message);
        var typeError = Assert.Throws<FormatException>(() => TaskRegistry.Parse("""{"tasks":[{"name":"X","type":"nope","category":"STS","path":"p","eval_split":"test","main_score":"m"}]}"""));
        Assert.Contains("nope", typeError.Message);
    }

    [Theory]
    [InlineData("sts", TaskType.Sts)]
    [InlineData("Pair-Classification", TaskType.PairClassification)]
    [InlineData("pair_classification", TaskType.PairClassification)]
    [InlineData("RETRIEVAL", TaskType.Retrieval)]
    public void ParsesTaskTypeNames(string name, TaskType expected) => Assert.Equal(expected, TaskTypeNames.Parse(name));

    [Fact]
    public void FormatsInstructionsLikeE5Mistral()
    {
        var format = LlmEmbed.Embedding.InstructionOptions.Default;
        Assert.Equal("Instruct: Find it\nQuery: hello", format.Format("Find it", "hello"));
        Assert.Equal("hello", format.Format(null, "hello"));
        Assert.Equal("hello", format.Format("  ", "hello"));
        Assert.StartsWith(format.Prefix("Find it"), format.Format("Find it", "hello"));
    }
}
