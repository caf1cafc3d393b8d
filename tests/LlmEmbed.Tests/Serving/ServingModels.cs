using LlmEmbed.Embedding;
using LlmEmbed.Server;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using Microsoft.Extensions.Logging;

namespace LlmEmbed.Tests.Serving;

/// <summary>
/// Two saved tiny embedding models over a random Llama with the real bpe-8k tokenizer: <see cref="Plain"/> (eos-causal,
/// no Matryoshka) and <see cref="Matryoshka"/> (multilayer-bidirectional, Matryoshka dims [8, 16] of 32). Shared by a
/// test class; its tests run one after another, so one model is never used by two threads at once.
/// </summary>
public sealed class ServingModels : IDisposable
{
    public const int MaxLength = 64;
    private readonly TempDir dir = TestPaths.NewTempDir();

    public ServingModels()
    {
        string baseDir = TinyBaseModel.Create(dir.File("base"), seed: 5);
        PlainDir = Save(EmbeddingPresets.Get("eos-causal", baseDir) with { MaxLength = MaxLength }, "plain");
        MatryoshkaDir = Save(EmbeddingPresets.Get("multilayer-bidirectional", baseDir) with
        {
            MaxLength = MaxLength,
            MatryoshkaDims = [8, 16],
            Pooler = new LlmEmbed.Pooling.PoolerOptions { Kind = LlmEmbed.Pooling.PoolerKind.MultiLayer, NumLatents = 4, NumHeads = 2, HeadSize = 8, Seed = 3 },
        }, "matryoshka");
        Plain = EmbeddingModel.Load(PlainDir);
        Matryoshka = EmbeddingModel.Load(MatryoshkaDir);
    }

    public string PlainDir { get; }
    public string MatryoshkaDir { get; }
    public EmbeddingModel Plain { get; }
    public EmbeddingModel Matryoshka { get; }

    private string Save(EmbeddingModelConfig config, string name)
    {
        using var model = EmbeddingModel.FromBaseModel(config);
        string path = dir.File(name);
        model.Save(path);
        return path;
    }

    /// <summary>A started server on a free loopback port (warnings and errors logged only).</summary>
    public static async Task<EmbeddingServer> StartAsync(EmbeddingModel model, ServerOptions? options = null, Func<IBatchEncoder, IBatchEncoder>? decorate = null)
    {
        var server = EmbeddingServer.Create(model, (options ?? new ServerOptions()) with { Port = 0, Host = "127.0.0.1" },
            logging => logging.SetMinimumLevel(LogLevel.Warning), decorate);
        await server.StartAsync();
        return server;
    }

    public void Dispose()
    {
        Plain.Dispose();
        Matryoshka.Dispose();
        dir.Dispose();
    }
}
