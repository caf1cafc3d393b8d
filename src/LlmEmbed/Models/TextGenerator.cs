using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>Options for <see cref="TextGenerator"/>: temperature 0 means greedy (argmax, first maximum wins).</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 64;
    public double Temperature { get; init; }
    public int TopK { get; init; }
    public long Seed { get; init; } = 42;

    /// <summary>Stop when this id is produced (usually EOS); it is not included in the output.</summary>
    public int? StopTokenId { get; init; }
}

/// <summary>
/// Causal sampling from a <see cref="DecoderModel"/>, for inspecting a base model. It re-runs the whole prefix
/// each step (no KV cache): simple and exact, fast enough for the small models this project trains.
/// </summary>
public static class TextGenerator
{
    public static IReadOnlyList<int> Generate(DecoderModel model, IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        if (promptIds.Count == 0) throw new ArgumentException("the prompt must hold at least one token (e.g. BOS)", nameof(promptIds));
        if (options.Temperature < 0) throw new ArgumentOutOfRangeException(nameof(options), "temperature must be >= 0");
        var ids = promptIds.Select(i => (long)i).ToList();
        var generated = new List<int>();
        var generator = new Generator((ulong)options.Seed);
        using var _ = no_grad();
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            using var scope = NewDisposeScope();
            var input = tensor(ids.ToArray()).unsqueeze(0);
            using var output = model.Forward(input, null, AttentionMode.Causal, computeLogits: true);
            var logits = output.Logits![0, -1].to(ScalarType.Float32);
            int next;
            if (options.Temperature == 0)
            {
                next = (int)logits.argmax().item<long>();
            }
            else
            {
                var scaled = logits.div(options.Temperature);
                if (options.TopK > 0 && options.TopK < scaled.shape[0])
                {
                    var kth = scaled.topk(options.TopK).values[-1];
                    scaled = scaled.masked_fill(scaled.lt(kth), double.NegativeInfinity);
                }
                next = (int)scaled.softmax(0).multinomial(1, generator: generator).item<long>();
            }
            if (options.StopTokenId == next) break;
            generated.Add(next);
            ids.Add(next);
        }
        return generated;
    }
}
