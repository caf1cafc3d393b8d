using LlmEmbed.Embedding;
using LlmEmbed.Server;

namespace LlmEmbed.Tests.Serving;

/// <summary>Wraps the real forward pass and holds every batch until <see cref="Release"/>: queueing becomes observable without timing.</summary>
internal sealed class HeldEncoder(IBatchEncoder inner) : IBatchEncoder, IDisposable
{
    private readonly ManualResetEventSlim released = new(false);
    private readonly SemaphoreSlim entered = new(0);

    public float[][] Encode(IReadOnlyList<TokenizedText> batch)
    {
        entered.Release();
        released.Wait();
        return inner.Encode(batch);
    }

    /// <summary>Waits until a batch has reached the forward pass (and is held there).</summary>
    public Task WaitEnteredAsync() => entered.WaitAsync(TimeSpan.FromMinutes(2)).ContinueWith(t => Assert.True(t.Result, "no batch reached the encoder"));

    public void Release() => released.Set();

    /// <summary>Holds the next batches again (after a <see cref="Release"/>), for a test that runs several rounds.</summary>
    public void Hold() => released.Reset();

    public void Dispose()
    {
        released.Set();
        released.Dispose();
        entered.Dispose();
    }
}
