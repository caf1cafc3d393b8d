using LlmEmbed.Training;

namespace LlmEmbed.Tests.Training.Pretraining;

public class LearningRateScheduleTests
{
    [Fact]
    public void WarmupThenCosineToMinRatio()
    {
        // Peak 1, 4 warmup steps, 14 in total, floor 0.1: decay covers steps 4..14 (10 steps).
        var s = new LearningRateSchedule(1.0, 4, 14, DecayKind.Cosine, 0.1);
        Assert.Equal(0.25, s.At(0), 12);   // (0 + 1) / 4
        Assert.Equal(0.75, s.At(2), 12);   // (2 + 1) / 4
        Assert.Equal(1.0, s.At(3), 12);
        Assert.Equal(1.0, s.At(4), 12);    // progress 0
        // step 6: progress 0.2, 0.5 (1 + cos 0.2π) = 0.904508497; 0.1 + 0.9 · that.
        Assert.Equal(0.1 + 0.9 * 0.9045084971874737, s.At(6), 12);
        Assert.Equal(0.55, s.At(9), 12);   // progress 0.5: halfway between 1 and 0.1
        Assert.Equal(0.1, s.At(14), 12);
        Assert.Equal(0.1, s.At(1000), 12); // clamped after the end
    }

    [Fact]
    public void WarmupThenLinearToMinRatio()
    {
        var s = new LearningRateSchedule(2e-3, 4, 14, DecayKind.Linear, 0.1);
        Assert.Equal(5e-4, s.At(0), 15);
        Assert.Equal(2e-3, s.At(4), 15);
        Assert.Equal(2e-3 * (0.1 + 0.9 * 0.8), s.At(6), 15); // progress 0.2
        Assert.Equal(2e-3 * 0.55, s.At(9), 15);
        Assert.Equal(2e-4, s.At(14), 15);
        // Linear to zero (the default floor).
        var zero = new LearningRateSchedule(1.0, 0, 10, DecayKind.Linear);
        Assert.Equal(1.0, zero.At(0), 12);
        Assert.Equal(0.3, zero.At(7), 12);
        Assert.Equal(0.0, zero.At(10), 12);
    }

    [Fact]
    public void ConstantAndDegenerateSchedules()
    {
        var constant = new LearningRateSchedule(0.5, 2, 100, DecayKind.Constant, 0.1);
        Assert.Equal(0.25, constant.At(0), 12);
        Assert.Equal(0.5, constant.At(2), 12);
        Assert.Equal(0.5, constant.At(99), 12);
        // Warmup as long as the run: never decays.
        var allWarmup = new LearningRateSchedule(1.0, 10, 10, DecayKind.Cosine, 0.1);
        Assert.Equal(0.5, allWarmup.At(4), 12);
        Assert.Equal(1.0, allWarmup.At(10), 12);
    }
}
