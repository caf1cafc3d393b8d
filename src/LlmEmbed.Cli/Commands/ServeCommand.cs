using System.CommandLine;
using LlmEmbed.Embedding;
using LlmEmbed.Server;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed serve</c>: an OpenAI- and TEI-compatible HTTP server over a saved embedding model (see docs/serving.md).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new ServerOptions();
        var model = new Option<string>("--model") { Description = "Embedding model folder (written by training / EmbeddingModel.Save)", Required = true };
        var modelName = new Option<string?>("--model-name") { Description = "The name clients pass as 'model' (default: the folder's name)" };
        var host = new Option<string>("--host") { Description = "Address to listen on (0.0.0.0 for all interfaces)", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port") { Description = "TCP port", DefaultValueFactory = _ => defaults.Port };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' (default: $LLMEMBED_API_KEY, else no key)" };
        var maxBatchTokens = new Option<int>("--max-batch-tokens") { Description = "Padded tokens per forward pass (the dynamic batch budget)", DefaultValueFactory = _ => defaults.MaxBatchTokens };
        var maxConcurrent = new Option<int>("--max-concurrent-requests") { Description = "Requests queued or running at once; more get 429", DefaultValueFactory = _ => defaults.MaxConcurrentRequests };
        var maxInputTokens = new Option<int?>("--max-input-tokens") { Description = "Tokens per input (default: the model's max_length)" };
        var maxInputs = new Option<int>("--max-inputs") { Description = "Inputs per request", DefaultValueFactory = _ => defaults.MaxInputsPerRequest };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Request body size limit", DefaultValueFactory = _ => defaults.MaxRequestBodyBytes };
        var autoTruncate = new Option<bool>("--auto-truncate") { Description = "Truncate over-long inputs instead of answering 413" };
        var prompts = new Option<string[]>("--prompt") { Description = "NAME=TEXT: a named query instruction (e.g. query=\"Given a question, retrieve passages that answer it\"); repeatable", AllowMultipleArgumentsPerToken = false };
        var dtype = new Option<string?>("--dtype") { Description = "Backbone dtype: float32 or bfloat16 (default: the model's)" };
        var device = new Option<string?>("--device") { Description = "cpu or cuda (default: cuda when available)" };
        var command = new Command("serve", "Serve an embedding model over HTTP (OpenAI /v1/embeddings, TEI /embed, /health, /info, /metrics)");
        foreach (var o in new Option[] { model, modelName, host, port, apiKey, maxBatchTokens, maxConcurrent, maxInputTokens, maxInputs, maxBody, autoTruncate, prompts, dtype, device })
            command.Options.Add(o);
        command.SetAction((parseResult, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            string dir = parseResult.GetValue(model)!;
            string? deviceName = parseResult.GetValue(device);
            var torchDevice = TorchSharp.torch.device(deviceName ?? (TorchSharp.torch.cuda.is_available() ? "cuda" : "cpu"));
            using var embedder = EmbeddingModel.Load(dir, device: torchDevice);
            if (parseResult.GetValue(dtype) is { } dt) embedder.ToDType(EmbeddingModelConfig.ParseDType(dt));
            var options = new ServerOptions
            {
                ModelName = parseResult.GetValue(modelName) ?? new DirectoryInfo(Path.GetFullPath(dir)).Name,
                Host = parseResult.GetValue(host)!,
                Port = parseResult.GetValue(port),
                ApiKey = parseResult.GetValue(apiKey) ?? NullIfEmpty(Environment.GetEnvironmentVariable("LLMEMBED_API_KEY")),
                MaxBatchTokens = parseResult.GetValue(maxBatchTokens),
                MaxConcurrentRequests = parseResult.GetValue(maxConcurrent),
                MaxInputTokens = parseResult.GetValue(maxInputTokens),
                MaxInputsPerRequest = parseResult.GetValue(maxInputs),
                MaxRequestBodyBytes = parseResult.GetValue(maxBody),
                AutoTruncate = parseResult.GetValue(autoTruncate),
                Prompts = ServerOptions.ParsePrompts(parseResult.GetValue(prompts) ?? []),
            };
            await using var server = EmbeddingServer.Create(embedder, options);
            await server.RunAsync(cancellationToken);
            return 0;
        }));
        return command;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
