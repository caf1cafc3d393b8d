using LlmEmbed.Cli.Commands;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Harness;

public class EvaluateCommandTests
{
    [Fact]
    public async Task RunsSelectedTasksThroughTheLoaderHookAndWritesResults()
    {
        using var temp = TestPaths.NewTempDir();
        string? loadedFrom = null;
        var command = EvaluateCommand.Create(dir => { loadedFrom = dir; return new TrigramEmbeddingGenerator(64); });

        int exit = await command.Parse([
            "--model", temp.File("my-model"), "--tasks", "STS16", "--task-types", "reranking",
            "--data", TestPaths.Data(), "--output", temp.File("out"), "--registry", TestRegistry.Path,
        ]).InvokeAsync();

        Assert.Equal(0, exit);
        Assert.Equal(temp.File("my-model"), loadedFrom);
        Assert.Equal("my-model", TaskResult.Load(Path.Combine(temp.File("out"), "STS16.json")).ModelId);
        Assert.True(File.Exists(Path.Combine(temp.File("out"), "WikiQA.json")));
    }

    [Fact]
    public async Task FailsClearlyWithoutTasksOrWithAnUnknownTask()
    {
        using var temp = TestPaths.NewTempDir();
        var command = EvaluateCommand.Create(_ => new TrigramEmbeddingGenerator(8));
        Assert.Equal(2, await command.Parse(["--model", "m", "--output", temp.Path]).InvokeAsync());
        Assert.Equal(2, await command.Parse(["--model", "m", "--output", temp.Path, "--tasks", "Nope", "--registry", TestRegistry.Path]).InvokeAsync());
    }
}
