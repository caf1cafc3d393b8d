using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace LlmEmbed.Bench;

/// <summary>
/// Passes every call through to <paramref name="inner"/> and adds up the time spent in it and the texts it got, so
/// an evaluation's encoding time can be told apart from its scoring time (everything else).
/// </summary>
internal sealed class TimedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner) : IEmbeddingGenerator<string, Embedding<float>>
{
    private long ticks;

    public double Seconds => (double)ticks / Stopwatch.Frequency;
    public long Texts { get; private set; }

    public void Reset()
    {
        ticks = 0;
        Texts = 0;
    }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyCollection<string> ?? values.ToList();
        long start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.GenerateAsync(texts, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ticks += Stopwatch.GetTimestamp() - start;
            Texts += texts.Count;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

    public void Dispose() => inner.Dispose();
}
