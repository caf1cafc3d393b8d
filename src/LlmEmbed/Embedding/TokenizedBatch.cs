using static TorchSharp.torch;

namespace LlmEmbed.Embedding;

/// <summary>A padded batch: input ids, attention mask (1 = token) and pooling mask (1 = may be pooled), all int64 [B, T].</summary>
public sealed class TokenizedBatch : IDisposable
{
    public TokenizedBatch(Tensor inputIds, Tensor attentionMask, Tensor poolingMask)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        PoolingMask = poolingMask;
    }

    public Tensor InputIds { get; }
    public Tensor AttentionMask { get; }
    public Tensor PoolingMask { get; }

    /// <summary>Pads <paramref name="texts"/> with <paramref name="padId"/> into one batch on <paramref name="device"/>.</summary>
    public static TokenizedBatch Collate(IReadOnlyList<TokenizedText> texts, int padId, bool excludeInstruction, PaddingSide side = PaddingSide.Right, Device? device = null)
    {
        if (texts.Count == 0) throw new ArgumentException("cannot collate an empty batch", nameof(texts));
        int b = texts.Count, t = texts.Max(x => x.Ids.Count);
        if (t == 0) throw new ArgumentException("cannot collate texts without tokens", nameof(texts));
        var ids = new long[b * t];
        var mask = new long[b * t];
        var pool = new long[b * t];
        Array.Fill(ids, padId);
        for (int i = 0; i < b; i++)
        {
            var x = texts[i];
            int offset = side == PaddingSide.Right ? 0 : t - x.Ids.Count;
            for (int j = 0; j < x.Ids.Count; j++)
            {
                int at = i * t + offset + j;
                ids[at] = x.Ids[j];
                mask[at] = 1;
                pool[at] = excludeInstruction && j < x.InstructionLength ? 0 : 1;
            }
        }
        Tensor Make(long[] data)
        {
            var cpu = tensor(data, new long[] { b, t });
            if (device is null || device.type == TorchSharp.DeviceType.CPU) return cpu;
            using (cpu) return cpu.to(device);
        }
        return new TokenizedBatch(Make(ids), Make(mask), Make(pool));
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        PoolingMask.Dispose();
    }
}
