using System.Diagnostics.Metrics;

namespace LlmEmbed.Server;

/// <summary>
/// The server's instruments on the meter <see cref="MeterName"/>, exported by OpenTelemetry at <c>/metrics</c>
/// (Prometheus names: <c>llmembed_requests_total</c>, <c>llmembed_request_duration_seconds</c>,
/// <c>llmembed_queue_depth</c>, <c>llmembed_batch_size</c>, <c>llmembed_batch_tokens</c>,
/// <c>llmembed_tokens_total</c> (rate() of it is tokens/s), <c>llmembed_inputs_dropped_total</c>).
/// The counts are also kept as plain numbers for <c>/info</c> and tests.
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "LlmEmbed.Server";

    private readonly Meter meter = new(MeterName);
    private readonly Counter<long> requests;
    private readonly Histogram<double> duration;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<int> batchTokens;
    private readonly Counter<long> tokens;
    private readonly Counter<long> dropped;
    private long encodedInputs;
    private long droppedInputs;
    private long batches;

    public ServerMetrics(Func<int> queueDepth)
    {
        requests = meter.CreateCounter<long>("llmembed.requests", description: "HTTP requests by route and status code");
        duration = meter.CreateHistogram<double>("llmembed.request.duration", unit: "s", description: "Request latency by route");
        batchSize = meter.CreateHistogram<int>("llmembed.batch.size", description: "Inputs per forward pass");
        batchTokens = meter.CreateHistogram<int>("llmembed.batch.tokens", description: "Padded tokens per forward pass");
        tokens = meter.CreateCounter<long>("llmembed.tokens", description: "Tokens embedded (rate() gives tokens/s)");
        dropped = meter.CreateCounter<long>("llmembed.inputs.dropped", description: "Inputs not embedded because their client disconnected");
        meter.CreateObservableGauge("llmembed.queue.depth", queueDepth, description: "Requests admitted and not yet answered");
    }

    public long EncodedInputs => Interlocked.Read(ref encodedInputs);
    public long DroppedInputs => Interlocked.Read(ref droppedInputs);
    public long Batches => Interlocked.Read(ref batches);

    public void Request(string route, int status, double seconds)
    {
        var tags = new KeyValuePair<string, object?>[] { new("route", route), new("status", status) };
        requests.Add(1, tags);
        duration.Record(seconds, new KeyValuePair<string, object?>("route", route));
    }

    public void Batch(int inputs, int paddedTokens, int realTokens)
    {
        Interlocked.Increment(ref batches);
        Interlocked.Add(ref encodedInputs, inputs);
        batchSize.Record(inputs);
        batchTokens.Record(paddedTokens);
        tokens.Add(realTokens);
    }

    public void Dropped(int inputs)
    {
        if (inputs == 0) return;
        Interlocked.Add(ref droppedInputs, inputs);
        dropped.Add(inputs);
    }

    public void Dispose() => meter.Dispose();
}
