using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmEmbed.Embedding;
using LlmEmbed.Server;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Tests.Serving;

/// <summary>
/// A model trained with <c>matryoshka: [8, 16]</c> records its dimensions, and the server honours exactly those.
/// Training reseeds torch's global generator, so this runs alone like the other training tests.
/// </summary>
[Collection(LlmEmbed.Tests.Training.TorchRandomCollection.Name)]
public class MatryoshkaTrainingTests
{
    [Fact]
    public async Task TrainedMatryoshkaModelIsServedAtItsTrainedDimensionsOnly()
    {
        using var dir = TestPaths.NewTempDir();
        string data = dir.File("snli.jsonl");
        File.WriteAllLines(data, File.ReadLines(TestPaths.Data("training", "snli_triplets.jsonl")).Take(16));
        var options = ContrastiveTrainingOptions.Parse($$"""
            output: {{dir.File("run")}}
            files:
              - path: {{data}}
            batch_size: 4
            max_steps: 2
            warmup_steps: 0
            learning_rate: 1.0e-3
            checkpoint_every: 2
            seed: 3
            matryoshka: [8, 16]
            model:
              base_model: {{TinyBaseModel.Create(dir.File("base"), seed: 7)}}
              preset: eos-causal
              max_length: 32
              dtype: float32
            """, "matryoshka.yaml");
        Assert.Equal([8, 16], options.Matryoshka);
        EmbeddingModelEncoder? encoder = null;
        var result = new ContrastiveTrainer(options, o => encoder = EmbeddingModelEncoder.Create(o)).Run(resume: false);
        Assert.True(double.IsFinite(result.FinalLoss));
        encoder!.Model.Dispose();
        string modelDir = result.ModelDir; // the trainer saves its own model
        Assert.Contains("\"matryoshka_dims\"", File.ReadAllText(Path.Combine(modelDir, EmbeddingModelConfig.FileName)));

        using var model = EmbeddingModel.Load(modelDir);
        Assert.Equal([8, 16], model.Config.MatryoshkaDims);
        await using var server = await ServingModels.StartAsync(model, new ServerOptions { ModelName = "m" });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var ok = await http.PostAsJsonAsync("/v1/embeddings", new { input = "a dog runs", dimensions = 8 });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(8, JsonNode.Parse(await ok.Content.ReadAsStringAsync())!["data"]![0]!["embedding"]!.AsArray().Count);
        var refused = await http.PostAsJsonAsync("/v1/embeddings", new { input = "a dog runs", dimensions = 12 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var bad = Assert.Throws<ArgumentException>(() => ContrastiveTrainingOptions.Parse($"files:\n  - path: {data}\nmatryoshka: [16, 8]\n", "bad.yaml").Validate());
        Assert.Contains("matryoshka must be strictly ascending", bad.Message);
    }
}
