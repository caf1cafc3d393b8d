using static TorchSharp.torch;

namespace LlmEmbed.Training.Contrastive;

/// <summary>Turns an <see cref="IContrastiveEncoder"/> into plain embedding functions (evaluation mode, no graph, batched), e.g. for <see cref="HardNegativeMiner"/>.</summary>
public static class ContrastiveEncoderEmbeddings
{
    public static Func<IReadOnlyList<string>, float[][]> AsEmbeddingFunction(this IContrastiveEncoder encoder, ContrastiveTextRole role, int batchSize = 32, string? instruction = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be >= 1");
        return texts =>
        {
            encoder.Train(false);
            var result = new float[texts.Count][];
            using var _ = no_grad();
            for (int start = 0; start < texts.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(batchSize, texts.Count - start);
                var slice = texts.Skip(start).Take(count).ToList();
                string?[]? instructions = role == ContrastiveTextRole.Query && instruction != null ? Enumerable.Repeat<string?>(instruction, count).ToArray() : null;
                var reps = encoder.Encode(slice, role, instructions).to(ScalarType.Float32).cpu();
                long dim = reps.shape[1];
                var flat = reps.contiguous().data<float>().ToArray();
                for (int i = 0; i < count; i++) result[start + i] = flat.AsSpan(i * (int)dim, (int)dim).ToArray();
            }
            return result;
        };
    }
}
