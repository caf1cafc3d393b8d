using System.Diagnostics;
using System.Text.Json;
using LlmEmbed.Embedding;
using LlmEmbed.Pooling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace LlmEmbed.Server;

/// <summary>
/// <c>llm-embed serve</c>: an ASP.NET Core minimal API over one <see cref="EmbeddingModel"/>. Routes:
/// <c>POST /v1/embeddings</c> (OpenAI), <c>POST /embed</c> (TEI), <c>GET /health</c>, <c>GET /info</c>,
/// <c>GET /metrics</c> (Prometheus via OpenTelemetry). Requests are parsed and limited here, embedded by the
/// <see cref="BatchScheduler"/> through the <see cref="ModelEncoder"/> seam. The model is not owned (the caller disposes it).
/// </summary>
public sealed class EmbeddingServer : IAsyncDisposable
{
    private const string OpenAiRoute = "/v1/embeddings";
    private const string TeiRoute = "/embed";
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 8 };

    private readonly WebApplication app;
    private readonly ServerOptions options;
    private readonly ModelEncoder encoder;
    private readonly InputPreparer preparer;
    private readonly ILogger logger;
    private bool stopped;

    private EmbeddingServer(WebApplication app, ServerOptions options, ModelEncoder encoder, BatchScheduler scheduler)
    {
        this.app = app;
        this.options = options;
        this.encoder = encoder;
        Scheduler = scheduler;
        preparer = new InputPreparer(encoder, options);
        logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LlmEmbed.Server");
    }

    public BatchScheduler Scheduler { get; }

    /// <summary>The address the server listens on (known after <see cref="StartAsync"/>; with port 0 the port picked).</summary>
    public Uri BaseAddress => new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    /// <param name="configureLogging">Log providers and levels (default: console on stderr, Information).</param>
    public static EmbeddingServer Create(EmbeddingModel model, ServerOptions options, Action<ILoggingBuilder>? configureLogging = null) =>
        Create(model, options, configureLogging, null);

    /// <param name="decorate">Tests wrap the forward pass (e.g. to hold it) to make queueing observable.</param>
    internal static EmbeddingServer Create(EmbeddingModel model, ServerOptions options, Action<ILoggingBuilder>? configureLogging, Func<IBatchEncoder, IBatchEncoder>? decorate)
    {
        options.Validate();
        var encoder = new ModelEncoder(model);
        if (options.MaxInputTokens is { } m && m > encoder.MaxLength)
            throw new ArgumentException($"--max-input-tokens {m} exceeds the model's max_length {encoder.MaxLength}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (configureLogging is not null) configureLogging(builder.Logging);
        else builder.Logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.AddServerHeader = false;
        });
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(ServerMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        var app = builder.Build();
        var scheduler = new BatchScheduler(decorate?.Invoke(encoder) ?? encoder, options.MaxBatchTokens, options.MaxConcurrentRequests,
            s => new ServerMetrics(() => s.Admitted), app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<BatchScheduler>());
        var server = new EmbeddingServer(app, options, encoder, scheduler);
        server.MapRoutes();
        return server;
    }

    private void MapRoutes()
    {
        if (options.ApiKey is { } key)
        {
            var check = new ApiKeyCheck(key);
            app.Use(async (context, next) =>
            {
                if (context.Request.Path == "/health" || check.Accepts(context.Request.Headers.Authorization)) { await next(context); return; }
                const string message = "missing or incorrect API key: send the header 'Authorization: Bearer <key>'";
                if (context.Request.Path == TeiRoute) await ResponseWriter.TeiError(context.Response, 401, message);
                else await ResponseWriter.OpenAiError(context.Response, 401, message, null, "invalid_api_key");
            });
        }
        app.MapPost(OpenAiRoute, context => Handle(context, OpenAiRoute));
        app.MapPost(TeiRoute, context => Handle(context, TeiRoute));
        app.MapGet("/health", context =>
        {
            context.Response.StatusCode = Scheduler.IsRunning && !stopped ? 200 : 503;
            return Task.CompletedTask;
        });
        app.MapGet("/info", WriteInfo);
        app.MapPrometheusScrapingEndpoint("/metrics");
    }

    /// <summary>One embedding request in either dialect: parse, limit, admit (or 429), batch, answer.</summary>
    private async Task Handle(HttpContext context, string route)
    {
        var clock = Stopwatch.StartNew();
        bool tei = route == TeiRoute;
        int invalid = tei ? 422 : 400;
        int status = 200;
        try
        {
            using var body = await ReadJson(context, invalid);
            var request = tei ? RequestParser.ParseTei(body.RootElement) : RequestParser.ParseOpenAi(body.RootElement, options.ModelName, invalid);
            string field = tei ? "inputs" : "input";
            if (request.Dimensions is { } d && MatryoshkaDimensions.Refusal(d, encoder.Dimension, encoder.Model.Config.MatryoshkaDims) is { } refusal)
                throw new ApiException(invalid, refusal, "dimensions");
            if (request.Normalize == false && encoder.Model.Config.Normalize)
                throw new ApiException(invalid, "this model L2-normalises inside the model (normalize: true in embedding_config.json), so normalize: false cannot be served", "normalize");
            var inputs = preparer.Prepare(request, field, invalid);
            if (!Scheduler.TryAdmit())
                throw new ApiException(429, $"the server is at its limit of {options.MaxConcurrentRequests} concurrent requests; retry later", null, "rate_limit_exceeded");
            float[][] vectors;
            try
            {
                vectors = await Scheduler.EncodeAsync(inputs, context.RequestAborted);
            }
            finally
            {
                Scheduler.Release();
            }
            var shaped = vectors.Select(v => Shape(v, request)).ToArray();
            if (tei) await ResponseWriter.TeiEmbeddings(context.Response, shaped);
            else await ResponseWriter.OpenAiEmbeddings(context.Response, shaped, request.Base64, options.ModelName, inputs.Sum(t => t.Ids.Count));
        }
        catch (ApiException e)
        {
            status = e.Status;
            if (tei) await ResponseWriter.TeiError(context.Response, e.Status, e.Message);
            else await ResponseWriter.OpenAiError(context.Response, e.Status, e.Message, e.Param, e.Code);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499; // the client closed the connection (nginx's code); there is no one to answer
        }
        catch (Exception e)
        {
            status = 500;
            logger.LogError(e, "{Route} failed", route);
            if (!context.Response.HasStarted)
            {
                if (tei) await ResponseWriter.TeiError(context.Response, 500, "internal error: " + e.Message);
                else await ResponseWriter.OpenAiError(context.Response, 500, "internal error: " + e.Message, null, null);
            }
        }
        finally
        {
            Scheduler.Metrics.Request(route, status, clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>Parses the body; 413 beyond the size limit, <paramref name="invalid"/> for malformed JSON.</summary>
    private async Task<JsonDocument> ReadJson(HttpContext context, int invalid)
    {
        if (context.Request.ContentLength > options.MaxRequestBodyBytes)
            throw new ApiException(413, $"the request body of {context.Request.ContentLength} bytes exceeds the limit of {options.MaxRequestBodyBytes} bytes");
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, JsonOptions, context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw new ApiException(invalid, $"the request body is not valid JSON: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            throw new ApiException(413, $"the request body exceeds the limit of {options.MaxRequestBodyBytes} bytes");
        }
    }

    /// <summary>Matryoshka truncation (already checked) and TEI's normalize for a model that does not normalise itself.</summary>
    private float[] Shape(float[] vector, EmbeddingRequest request)
    {
        if (request.Dimensions is { } d && d != vector.Length) return EmbeddingNormalization.TruncateAndNormalize(vector, d);
        if (request.Normalize == true && !encoder.Model.Config.Normalize) return EmbeddingNormalization.TruncateAndNormalize(vector, vector.Length);
        return vector;
    }

    private async Task WriteInfo(HttpContext context)
    {
        var config = encoder.Model.Config;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter.AsStream(), new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("model_id", options.ModelName);
        json.WriteString("model_type", "embedding");
        json.WriteString("model_dtype", encoder.Model.DTypeName); // as it runs: dtype auto resolved
        json.WriteString("device", encoder.Model.Device.ToString());
        json.WriteNumber("dimensions", encoder.Dimension);
        json.WriteStartArray("matryoshka_dimensions");
        foreach (var d in config.MatryoshkaDims ?? []) json.WriteNumberValue(d);
        json.WriteEndArray();
        json.WriteStartObject("design");
        json.WriteString("preset", config.Preset);
        json.WriteString("pooler", JsonNamingPolicy.KebabCaseLower.ConvertName(config.Pooler.Kind.ToString()));
        json.WriteString("attention", JsonNamingPolicy.KebabCaseLower.ConvertName(config.Attention.ToString()));
        json.WriteBoolean("normalize", config.Normalize);
        json.WriteBoolean("instruction_excluded_from_pooling", config.Instruction.ExcludeFromPooling);
        json.WriteEndObject();
        json.WriteNumber("max_input_length", preparer.MaxInputTokens);
        json.WriteNumber("max_batch_tokens", options.MaxBatchTokens);
        json.WriteNumber("max_concurrent_requests", options.MaxConcurrentRequests);
        json.WriteNumber("max_client_batch_size", options.MaxInputsPerRequest);
        json.WriteNumber("max_request_body_bytes", options.MaxRequestBodyBytes);
        json.WriteBoolean("auto_truncate", options.AutoTruncate);
        json.WriteStartArray("prompts");
        foreach (var name in options.Prompts.Keys) json.WriteStringValue(name);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => app.StartAsync(cancellationToken);

    /// <summary>Serves until Ctrl+C / SIGTERM (or <paramref name="cancellationToken"/>), then shuts down gracefully.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken);
        logger.LogInformation("serving {Model} (dimension {Dimension}) on {Address}", options.ModelName, encoder.Dimension, BaseAddress);
        await app.WaitForShutdownAsync(cancellationToken);
        await DisposeAsync();
    }

    /// <summary>
    /// Graceful shutdown: stops accepting connections, lets in-flight requests finish (Kestrel waits for them), then
    /// lets the batcher finish its queue and stop.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (stopped) return;
        stopped = true;
        await app.StopAsync();
        await Scheduler.DisposeAsync();
        await app.DisposeAsync();
    }
}
