using TorchSharp;
using LlmEmbed.Models;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Models;

/// <summary>What the attention modes promise: causal states ignore later tokens, bidirectional ones do not, and padding on either side is invisible.</summary>
public class AttentionAndPaddingTests
{
    private static DecoderOutput Run(DecoderModel model, long[] ids, AttentionMode mode)
    {
        using var input = tensor(ids).unsqueeze(0);
        return model.Forward(input, null, mode, computeLogits: true);
    }

    [Theory]
    [InlineData(AttentionMode.Causal)]
    [InlineData(AttentionMode.Bidirectional)]
    public void ChangingALaterTokenAffectsEarlierStatesOnlyInBidirectionalMode(AttentionMode mode)
    {
        using var model = TinyModels.Create(TinyModels.Qwen2, seed: 3);
        using var _ = no_grad();
        long[] a = TinyModels.RandomIds(10, 97, 1);
        long[] b = (long[])a.Clone();
        b[7] = (b[7] + 5) % 97;
        using var x = Run(model, a, mode);
        using var y = Run(model, b, mode);
        for (int l = 1; l < x.HiddenStates.Count; l++)
        {
            double prefix = TinyModels.MaxAbsDiff(x.HiddenStates[l][0].narrow(0, 0, 7), y.HiddenStates[l][0].narrow(0, 0, 7));
            if (mode == AttentionMode.Causal) Assert.Equal(0.0, prefix);
            else Assert.True(prefix > 1e-3, $"layer {l}: bidirectional prefix states changed by only {prefix}");
        }
        // The changed position itself differs in both modes.
        Assert.True(TinyModels.MaxAbsDiff(x.LastHiddenState[0][7], y.LastHiddenState[0][7]) > 1e-3);
    }

    [Theory]
    [InlineData(AttentionMode.Causal, true)]
    [InlineData(AttentionMode.Causal, false)]
    [InlineData(AttentionMode.Bidirectional, true)]
    [InlineData(AttentionMode.Bidirectional, false)]
    public void PaddedBatchEqualsEachSequenceAlone(AttentionMode mode, bool leftPadding)
    {
        using var model = TinyModels.Create(TinyModels.Mistral, seed: 5);
        using var _ = no_grad();
        long[][] seqs = [TinyModels.RandomIds(9, 97, 11), TinyModels.RandomIds(4, 97, 12), TinyModels.RandomIds(1, 97, 13), TinyModels.RandomIds(6, 97, 14)];
        int t = seqs.Max(s => s.Length);
        var ids = new long[seqs.Length * t];
        var mask = new long[seqs.Length * t];
        Array.Fill(ids, 96); // pad id: any valid id, it must not matter
        for (int i = 0; i < seqs.Length; i++)
        {
            int offset = leftPadding ? t - seqs[i].Length : 0;
            for (int j = 0; j < seqs[i].Length; j++) { ids[i * t + offset + j] = seqs[i][j]; mask[i * t + offset + j] = 1; }
        }
        using var input = tensor(ids).view(seqs.Length, t);
        using var m = tensor(mask).view(seqs.Length, t);
        using var batch = model.Forward(input, m, mode, computeLogits: true);
        for (int i = 0; i < seqs.Length; i++)
        {
            using var alone = Run(model, seqs[i], mode);
            int offset = leftPadding ? t - seqs[i].Length : 0;
            for (int l = 0; l < alone.HiddenStates.Count; l++)
            {
                double d = TinyModels.MaxAbsDiff(alone.HiddenStates[l][0], batch.HiddenStates[l][i].narrow(0, offset, seqs[i].Length));
                Assert.True(d <= 1e-5, $"sequence {i}, hidden state {l}: max |diff| {d}");
            }
            double dl = TinyModels.MaxAbsDiff(alone.Logits![0], batch.Logits![i].narrow(0, offset, seqs[i].Length));
            Assert.True(dl <= 1e-5, $"sequence {i}, logits: max |diff| {dl}");
            Assert.True(TinyModels.Floats(batch.Logits![i]).All(float.IsFinite), $"sequence {i}: non-finite logits at padding positions");
        }
    }

    [Fact]
    public void BFloat16ForwardIsCloseToFloat32()
    {
        using var model = Stories260KTests.LoadImported();
        using var _ = no_grad();
        long[] ids = Stories260KTests.SequenceIds();
        using var fp32 = Run(model, ids, AttentionMode.Causal);
        model.to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, model.DType);
        using var bf16 = Run(model, ids, AttentionMode.Causal);
        Assert.Equal(ScalarType.BFloat16, bf16.Logits!.dtype);
        var x = TinyModels.Floats(fp32.Logits![0]);
        var y = TinyModels.Floats(bf16.Logits![0]);
        double scale = x.Max(Math.Abs), worst = 0;
        for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
        // bf16 keeps 8 significant bits (relative step 2^-8 = 0.4%); 5 layers of rounding stay within a few percent.
        Assert.True(worst <= 0.05 * scale, $"bf16 logits differ by {worst} (largest fp32 logit {scale})");
        Assert.True(worst > 0, "bf16 gave bit-identical logits, so it did not run in bf16");
        using var argmax32 = fp32.Logits![0].argmax(-1);
        using var argmax16 = bf16.Logits![0].argmax(-1);
        int agree = argmax32.eq(argmax16).sum().item<long>() is var n ? (int)n : 0;
        Assert.True(agree >= 28, $"greedy next token agrees at only {agree}/32 positions");
    }
}
