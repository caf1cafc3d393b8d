using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// Rotary position embedding in the HF "rotate_half" convention (pairs i and i + d/2), with optional
/// Llama-3 frequency scaling. Positions come from the caller so that padded sequences get the positions
/// they would have alone.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] invFreq;

    public RotaryEmbedding(DecoderConfig config)
    {
        int d = config.HeadDim;
        var freqs = new double[d / 2];
        for (int i = 0; i < freqs.Length; i++)
            freqs[i] = 1.0 / Math.Pow(config.EffectiveRopeTheta, 2.0 * i / d);
        if (config.EffectiveRopeScaling is { Kind: "llama3" } s)
            freqs = ScaleLlama3(freqs, s);
        invFreq = freqs.Select(f => (float)f).ToArray();
    }

    /// <summary>HF <c>_compute_llama3_parameters</c>: long wavelengths divided by the factor, a smooth blend in between.</summary>
    private static double[] ScaleLlama3(double[] inv, RopeScaling s)
    {
        double lowWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        var result = new double[inv.Length];
        for (int i = 0; i < inv.Length; i++)
        {
            double wavelen = 2 * Math.PI / inv[i];
            double scaled = wavelen > lowWavelen ? inv[i] / s.Factor : inv[i];
            bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            if (medium)
            {
                double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                scaled = (1 - smooth) * scaled / s.Factor + smooth * scaled;
            }
            result[i] = scaled;
        }
        return result;
    }

    /// <summary>
    /// cos and sin tables [B, 1, T, d] for integer positions [B, T], computed in float32 and cast once to
    /// <paramref name="dtype"/> (the dtype <see cref="Apply"/> computes in), so the layers do not cast them again.
    /// </summary>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positions, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        var inv = tensor(invFreq, device: positions.device);
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1).mul(inv);   // [B, T, d/2]
        var emb = cat([angles, angles], -1).unsqueeze(1);                         // [B, 1, T, d]
        return (emb.cos().to(dtype).MoveToOuterDisposeScope(), emb.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>x · cos + rotate_half(x) · sin, computed in x's dtype (tables of another dtype are cast).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat([x2.neg(), x1], -1);
        if (cos.dtype != x.dtype) (cos, sin) = (cos.to(x.dtype), sin.to(x.dtype));
        return x.mul(cos).add_(rotated.mul_(sin)).MoveToOuterDisposeScope();
    }
}
