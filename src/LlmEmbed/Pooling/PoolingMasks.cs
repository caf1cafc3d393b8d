using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>Mask arithmetic shared by the poolers.</summary>
internal static class PoolingMasks
{
    public static void CheckShapes(IReadOnlyList<Tensor> hiddenStates, Tensor attentionMask, Tensor? poolingMask)
    {
        if (hiddenStates.Count == 0) throw new ArgumentException("no hidden states to pool", nameof(hiddenStates));
        var h = hiddenStates[^1];
        if (h.dim() != 3) throw new ArgumentException($"hidden states must be [batch, tokens, hidden], got [{string.Join(", ", h.shape)}]", nameof(hiddenStates));
        if (attentionMask.dim() != 2 || attentionMask.shape[0] != h.shape[0] || attentionMask.shape[1] != h.shape[1])
            throw new ArgumentException($"attention_mask shape [{string.Join(", ", attentionMask.shape)}] does not match hidden states [{string.Join(", ", h.shape)}]", nameof(attentionMask));
        if (poolingMask is not null && !poolingMask.shape.SequenceEqual(attentionMask.shape))
            throw new ArgumentException($"pooling mask shape [{string.Join(", ", poolingMask.shape)}] differs from attention_mask [{string.Join(", ", attentionMask.shape)}]", nameof(poolingMask));
    }

    /// <summary>Boolean [B, T]: real tokens that may be pooled. Every row must keep at least one token.</summary>
    public static Tensor Poolable(Tensor attentionMask, Tensor? poolingMask)
    {
        var m = attentionMask.to(ScalarType.Bool);
        if (poolingMask is not null) m = m.logical_and(poolingMask.to(ScalarType.Bool));
        using var counts = m.sum(1);
        using var minCount = counts.min();
        if (minCount.item<long>() == 0)
        {
            var rows = counts.data<long>().ToArray().Select((c, i) => (c, i)).Where(x => x.c == 0).Select(x => x.i);
            throw new ArgumentException($"batch rows [{string.Join(", ", rows)}] have no token to pool (all padding or all excluded by the pooling mask)");
        }
        return m;
    }

    /// <summary>Index [B] of the last real token of each row (works for left and right padding).</summary>
    public static Tensor LastTokenIndex(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var valid = attentionMask.to(ScalarType.Bool);
        if (valid.any(1).logical_not().any().item<bool>()) throw new ArgumentException("a batch row has no real token (attention mask all zero)");
        long t = valid.shape[1];
        var positions = arange(t, dtype: ScalarType.Int64, device: valid.device).unsqueeze(0).expand_as(valid);
        return positions.masked_fill(valid.logical_not(), -1).max(1).values.MoveToOuterDisposeScope();
    }

    /// <summary>[B, d]: each row's state at <paramref name="index"/>.</summary>
    public static Tensor Gather(Tensor h, Tensor index)
    {
        using var scope = NewDisposeScope();
        var idx = index.view(-1, 1, 1).expand(h.shape[0], 1, h.shape[2]);
        return h.gather(1, idx).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Masked mean over tokens; excluded positions are replaced by zero first, so even non-finite padding states cannot leak.</summary>
    public static Tensor MaskedMean(Tensor h, Tensor poolable)
    {
        using var scope = NewDisposeScope();
        var m = poolable.unsqueeze(-1);
        var sum = h.masked_fill(m.logical_not(), 0).sum(1);
        var count = poolable.sum(1, keepdim: true, type: h.dtype);
        return sum.div(count).MoveToOuterDisposeScope();
    }

    /// <summary>The tokens' states in float32 with padding positions zeroed.</summary>
    public static Tensor CleanStates(Tensor h, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var valid = attentionMask.to(ScalarType.Bool).unsqueeze(-1);
        return h.to(ScalarType.Float32).masked_fill(valid.logical_not(), 0).MoveToOuterDisposeScope();
    }
}
