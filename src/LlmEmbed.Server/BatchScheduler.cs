using System.Threading.Channels;
using LlmEmbed.Embedding;
using Microsoft.Extensions.Logging;

namespace LlmEmbed.Server;

/// <summary>
/// Dynamic batching: requests wait in a queue; one worker takes as many as fill the token budget, sorts all their
/// inputs by length and runs them in forward passes of at most <see cref="ServerOptions.MaxBatchTokens"/> padded tokens
/// (rows × longest row). Admission is bounded (<see cref="TryAdmit"/>; the caller answers 429 when it fails), inputs of
/// a request whose client has gone are dropped before their forward pass, and <see cref="DisposeAsync"/> finishes what
/// was queued before it stops.
/// </summary>
public sealed class BatchScheduler : IAsyncDisposable
{
    private sealed class WorkItem(IReadOnlyList<TokenizedText> inputs, CancellationToken aborted)
    {
        public IReadOnlyList<TokenizedText> Inputs { get; } = inputs;
        public CancellationToken Aborted { get; } = aborted;
        public float[][] Results { get; } = new float[inputs.Count][];
        public TaskCompletionSource<float[][]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Tokens { get; } = inputs.Sum(t => t.Ids.Count);
    }

    private readonly IBatchEncoder encoder;
    private readonly int maxBatchTokens;
    private readonly int maxAdmitted;
    private readonly ServerMetrics metrics;
    private readonly ILogger logger;
    private readonly Channel<WorkItem> queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task worker;
    private int admitted;

    public BatchScheduler(IBatchEncoder encoder, int maxBatchTokens, int maxAdmitted, Func<BatchScheduler, ServerMetrics> metricsFactory, ILogger logger)
    {
        this.encoder = encoder;
        this.maxBatchTokens = maxBatchTokens;
        this.maxAdmitted = maxAdmitted;
        this.logger = logger;
        metrics = metricsFactory(this);
        worker = Task.Factory.StartNew(RunWorker, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public ServerMetrics Metrics => metrics;

    /// <summary>Requests admitted and not yet released.</summary>
    public int Admitted => Volatile.Read(ref admitted);

    public bool IsRunning => !worker.IsCompleted;

    /// <summary>Takes a place for one request; false when <see cref="ServerOptions.MaxConcurrentRequests"/> are already in.</summary>
    public bool TryAdmit()
    {
        if (Interlocked.Increment(ref admitted) <= maxAdmitted) return true;
        Interlocked.Decrement(ref admitted);
        return false;
    }

    /// <summary>Gives back the place taken by <see cref="TryAdmit"/>.</summary>
    public void Release() => Interlocked.Decrement(ref admitted);

    /// <summary>
    /// Queues one request's inputs; the task completes with their embeddings in order, or is cancelled as soon as
    /// <paramref name="aborted"/> fires (the inputs then stay queued only until the worker reaches and drops them).
    /// </summary>
    public Task<float[][]> EncodeAsync(IReadOnlyList<TokenizedText> inputs, CancellationToken aborted)
    {
        var item = new WorkItem(inputs, aborted);
        if (!queue.Writer.TryWrite(item)) item.Completion.SetException(new ObjectDisposedException(nameof(BatchScheduler), "the server is shutting down"));
        return item.Completion.Task.WaitAsync(aborted);
    }

    private async Task RunWorker()
    {
        var reader = queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var items = new List<WorkItem>();
            int tokens = 0;
            while (tokens < maxBatchTokens && reader.TryRead(out var item))
            {
                if (item.Aborted.IsCancellationRequested)
                {
                    metrics.Dropped(item.Inputs.Count);
                    item.Completion.TrySetCanceled(item.Aborted);
                    continue;
                }
                items.Add(item);
                tokens += item.Tokens;
            }
            if (items.Count > 0) Run(items);
        }
    }

    /// <summary>All inputs of <paramref name="items"/>, longest first, in forward passes within the token budget.</summary>
    private void Run(List<WorkItem> items)
    {
        var inputs = items.SelectMany(item => Enumerable.Range(0, item.Inputs.Count).Select(j => (Item: item, Index: j)))
            .OrderByDescending(x => x.Item.Inputs[x.Index].Ids.Count).ToList();
        int start = 0;
        while (start < inputs.Count)
        {
            int longest = inputs[start].Item.Inputs[inputs[start].Index].Ids.Count;
            int rows = Math.Clamp(maxBatchTokens / longest, 1, inputs.Count - start);
            var slice = inputs.GetRange(start, rows);
            start += rows;
            var live = slice.Where(x => !x.Item.Aborted.IsCancellationRequested && !x.Item.Completion.Task.IsCompleted).ToList();
            metrics.Dropped(slice.Count(x => x.Item.Aborted.IsCancellationRequested));
            if (live.Count == 0) continue;
            try
            {
                var batch = live.Select(x => x.Item.Inputs[x.Index]).ToList();
                var vectors = encoder.Encode(batch);
                for (int k = 0; k < live.Count; k++) live[k].Item.Results[live[k].Index] = vectors[k];
                metrics.Batch(batch.Count, batch.Count * batch.Max(t => t.Ids.Count), batch.Sum(t => t.Ids.Count));
            }
            catch (Exception e)
            {
                // A failed forward pass fails the requests in it, never the worker: the server keeps serving.
                logger.LogError(e, "forward pass of {Rows} inputs failed", live.Count);
                foreach (var item in live.Select(x => x.Item).Distinct()) item.Completion.TrySetException(e);
            }
        }
        foreach (var item in items)
        {
            if (item.Aborted.IsCancellationRequested) item.Completion.TrySetCanceled(item.Aborted);
            else item.Completion.TrySetResult(item.Results);
        }
    }

    /// <summary>Stops taking work, finishes what is queued, and waits for the worker.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await worker.ConfigureAwait(false);
        metrics.Dispose();
    }
}
