using LlmEmbed.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = LlmEmbed.Training.AdamW;

namespace LlmEmbed.Tests.Training.Pretraining;

public class AdamWTests
{
    /// <summary>Sets the gradient of <paramref name="p"/> to <paramref name="grad"/> via backward of Σ p · grad.</summary>
    private static void SetGrad(Parameter p, float[] grad)
    {
        if (p.grad is { } g) g.zero_();
        using var scope = NewDisposeScope();
        p.mul(tensor(grad).to(p.dtype)).sum().backward();
    }

    private static float[] Values(Tensor t) => t.to(ScalarType.Float32).data<float>().ToArray();

    [Fact]
    public void TwoStepsMatchHandComputedValues()
    {
        // lr 0.1, weight decay 0.01, betas (0.9, 0.999), eps 1e-8.
        // Decayed weight w = 1: step 1, g = 0.5: w ← 1 · (1 − 0.001) − 0.1 · m̂ / (√v̂ + eps) with m̂ = 0.5, √v̂ = 0.5
        //   = 0.999 − 0.1 · 0.5 / 0.50000001 = 0.899000002.
        // Step 2, g = −0.25: m = 0.9 · 0.05 − 0.025 = 0.02, v = 0.999 · 0.00025 + 0.001 · 0.0625 = 0.00031225,
        //   m̂ = 0.02 / 0.19, v̂ = 0.00031225 / 0.001999; w ← 0.899000002 · 0.999 − 0.1 · m̂ / (√v̂ + eps) = 0.871467299.
        // The norm weight (not decayed, by name) w = −2 with g = 1 twice: −2.1, then −2.2.
        using var w = new Parameter(tensor(new float[] { 1f }));
        using var norm = new Parameter(tensor(new float[] { -2f }));
        using var opt = new AdamW([("layers.0.proj.weight", w), ("layers.0.input_layernorm.weight", norm)], weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        SetGrad(w, [0.5f]);
        SetGrad(norm, [1f]);
        opt.StepWith(0.1);
        Assert.Equal(1, opt.Step);
        Assert.Equal(0.899000002, Values(w)[0], 6);
        Assert.Equal(-2.099999999, Values(norm)[0], 6);

        SetGrad(w, [-0.25f]);
        SetGrad(norm, [1f]);
        opt.StepWith(0.1);
        Assert.Equal(0.8714672987, Values(w)[0], 6);
        Assert.Equal(-2.199999998, Values(norm)[0], 6);

        // The moments are exposed for checkpoints under the parameter names.
        var state = opt.StateTensors().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(0.02, Values(state["exp_avg.layers.0.proj.weight"])[0], 7);
        Assert.Equal(0.00031225, Values(state["exp_avg_sq.layers.0.proj.weight"])[0], 9);
        Assert.DoesNotContain("master.layers.0.proj.weight", state.Keys); // float32 needs no master copy
    }

    [Fact]
    public void Bfloat16ParameterIsUpdatedThroughAFloat32MasterCopy()
    {
        // A constant gradient makes every Adam update exactly lr (m̂ / √v̂ = 1). Near 1.0 bf16 steps by 2⁻⁸, so a
        // 1e-3 update applied to the bf16 weight itself would round straight back to 1.0 every time.
        Assert.Equal(1f, Values(tensor(new float[] { 0.999f }).to(ScalarType.BFloat16))[0]);
        using var w = new Parameter(tensor(new float[] { 1f, 1f }).to(ScalarType.BFloat16));
        using var opt = new AdamW([("w", w)], weightDecay: 0);
        for (int step = 1; step <= 10; step++)
        {
            SetGrad(w, [1f, 1f]);
            opt.StepWith(1e-3);
            var master = opt.StateTensors().Single(kv => kv.Key == "master.w").Value;
            Assert.Equal(ScalarType.Float32, master.dtype);
            Assert.Equal(1 - 1e-3 * step, Values(master)[0], 5);
            // The parameter stays bf16 and is the rounded master.
            Assert.Equal(ScalarType.BFloat16, w.dtype);
            Assert.Equal(Values(master.to(ScalarType.BFloat16)), Values(w));
        }
        // After ten steps the master (0.990) has moved the bf16 weight off 1.0.
        Assert.True(Values(w)[0] < 1f);
    }

    [Fact]
    public void StateRestoresExactlyAndClippingScalesTheGlobalNorm()
    {
        using var a = new Parameter(tensor(new float[] { 0.3f, -0.7f }));
        using var b = new Parameter(tensor(new float[] { 0.1f }));
        using var opt = new AdamW([("a", a), ("b", b)], weightDecay: 0.1);
        // Global norm of (3, 0, 4) is 5; clipping to 1 scales every gradient by 1/5.
        SetGrad(a, [3f, 0f]);
        SetGrad(b, [4f]);
        Assert.Equal(5.0, opt.ClipGradNorm(1.0), 5);
        Assert.Equal(0.6f, Values(a.grad!)[0], 5);
        Assert.Equal(0f, Values(a.grad!)[1], 5);
        Assert.Equal(0.8f, Values(b.grad!)[0], 5);
        opt.StepWith(0.01);

        // A second optimiser loaded from the first's state takes the identical next step.
        using var a2 = new Parameter(a.detach().clone());
        using var b2 = new Parameter(b.detach().clone());
        using var restored = new AdamW([("a", a2), ("b", b2)], weightDecay: 0.1);
        var state = opt.StateTensors().ToDictionary(kv => kv.Key, kv => kv.Value);
        restored.LoadState(state, opt.Step, "test");
        foreach (var (p, g) in new[] { (a, new[] { -1f, 2f }), (a2, new[] { -1f, 2f }) }) SetGrad(p, g);
        foreach (var p in new[] { b, b2 }) SetGrad(p, [0.5f]);
        opt.StepWith(0.01);
        restored.StepWith(0.01);
        Assert.Equal(Values(a), Values(a2));
        Assert.Equal(Values(b), Values(b2));

        var incomplete = state.Where(kv => kv.Key != "exp_avg_sq.b").ToDictionary();
        var e = Assert.Throws<InvalidDataException>(() => restored.LoadState(incomplete, 1, "ckpt/optimizer.safetensors"));
        Assert.Contains("exp_avg_sq.b", e.Message);
        Assert.Contains("ckpt/optimizer.safetensors", e.Message);
    }
}
