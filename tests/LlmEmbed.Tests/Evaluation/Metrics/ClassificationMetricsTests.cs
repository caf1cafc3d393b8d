using LlmEmbed.Evaluation.Metrics;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class ClassificationMetricsTests
{
    [Fact]
    public void MacroF1CountsLabelsOnlyPredictedOrOnlyTrue()
    {
        // Label "c" appears only in predictions: its F1 is 0 and it is part of the mean.
        string[] truth = ["a", "a", "b", "b"];
        string[] predicted = ["a", "b", "b", "c"];
        // F1(a) = 2·1/(2+0+1) = 2/3; F1(b) = 2·1/(2+1+1) = 1/2; F1(c) = 0.
        Assert.Equal((2.0 / 3 + 0.5 + 0) / 3, ClassificationMetrics.MacroF1(truth, predicted), 12);
        Assert.Equal(0.5, ClassificationMetrics.Accuracy(truth, predicted), 12);
    }

    [Fact]
    public void RejectsEmptyOrMismatched()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy<int>([], []));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.MacroF1<int>([1], [1, 2]));
    }
}
