using System.Text.Json;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class LogisticRegressionTests
{
    private const string File = "logistic_regression.jsonl";

    public static IEnumerable<object[]> SingleFitCases => GoldenFile.Read(File)
        .Where(c => !c.Inputs.TryGetProperty("experiment_train_indices", out _)).Select(c => new object[] { c.Name });

    public static IEnumerable<object[]> ProtocolCases => GoldenFile.Read(File)
        .Where(c => c.Inputs.TryGetProperty("experiment_train_indices", out _)).Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(SingleFitCases))]
    public void ReachesScikitLearnOptimumAndPredictions(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        double[][] xTrain = GoldenFile.Matrix(c.Inputs.GetProperty("X_train"));
        int[] yTrain = GoldenFile.Ints(c.Inputs.GetProperty("y_train"));
        double[][] xTest = GoldenFile.Matrix(c.Inputs.GetProperty("X_test"));
        int[] yTest = GoldenFile.Ints(c.Inputs.GetProperty("y_test"));

        var model = LogisticRegression.Fit(xTrain, yTrain, c.Inputs.GetProperty("C").GetDouble(), c.Inputs.GetProperty("max_iter").GetInt32());

        var e = c.Expected;
        Assert.Equal(GoldenFile.Ints(e.GetProperty("classes")), model.Classes);
        var optimum = e.GetProperty("optimum");
        double[][] coef = GoldenFile.Matrix(optimum.GetProperty("coef"));
        double[] intercept = GoldenFile.Doubles(optimum.GetProperty("intercept"));
        Assert.Equal(coef.Length, model.Coefficients.Count);
        for (int k = 0; k < coef.Length; k++)
        {
            for (int j = 0; j < coef[k].Length; j++)
                Assert.True(Math.Abs(coef[k][j] - model.Coefficients[k][j]) <= 1e-3, $"{caseName}: coef[{k}][{j}] {model.Coefficients[k][j]} vs {coef[k][j]}");
            Assert.True(Math.Abs(intercept[k] - model.Intercepts[k]) <= 1e-3, $"{caseName}: intercept[{k}] {model.Intercepts[k]} vs {intercept[k]}");
        }
        double bestObjective = GoldenFile.Double(optimum.GetProperty("objective"));
        Assert.True(model.Objective <= bestObjective * (1 + 1e-6), $"{caseName}: objective {model.Objective} vs optimum {bestObjective}");

        int[] predictions = model.Predict(xTest);
        Assert.Equal(GoldenFile.Ints(e.GetProperty("test_predictions")), predictions);
        double[][] proba = GoldenFile.Matrix(e.GetProperty("test_predict_proba"));
        for (int i = 0; i < xTest.Length; i++)
        {
            double[] p = model.PredictProbabilities(xTest[i]);
            for (int k = 0; k < p.Length; k++)
                Assert.True(Math.Abs(p[k] - proba[i][k]) <= 1e-3, $"{caseName}: proba[{i}][{k}]");
        }
        GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty("accuracy")), ClassificationMetrics.Accuracy(yTest, predictions), 1e-9, "accuracy");
        GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty("f1_macro")), ClassificationMetrics.MacroF1(yTest, predictions), 1e-9, "f1_macro");
        if (e.TryGetProperty("ap_on_hard_predictions", out var ap))
            GoldenFile.AssertClose(GoldenFile.Double(ap), AveragePrecision.Compute(yTest, predictions.Select(p => (double)p).ToArray()), 1e-9, "ap");
    }

    [Theory]
    [MemberData(nameof(ProtocolCases))]
    public void MtebProtocolWithGivenSamplesMatches(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        double[][] xTrain = GoldenFile.Matrix(c.Inputs.GetProperty("X_train"));
        int[] yTrain = GoldenFile.Ints(c.Inputs.GetProperty("y_train"));
        double[][] xTest = GoldenFile.Matrix(c.Inputs.GetProperty("X_test"));
        int[] yTest = GoldenFile.Ints(c.Inputs.GetProperty("y_test"));
        var experiments = c.Inputs.GetProperty("experiment_train_indices").EnumerateArray().Select(GoldenFile.Ints).ToArray();
        var expected = c.Expected.GetProperty("per_experiment").EnumerateArray().ToArray();

        double accuracySum = 0, f1Sum = 0;
        for (int run = 0; run < experiments.Length; run++)
        {
            var model = LogisticRegression.Fit(experiments[run].Select(i => xTrain[i]).ToArray(), experiments[run].Select(i => yTrain[i]).ToArray());
            int[] predictions = model.Predict(xTest);
            double accuracy = ClassificationMetrics.Accuracy(yTest, predictions);
            double f1 = ClassificationMetrics.MacroF1(yTest, predictions);
            GoldenFile.AssertClose(GoldenFile.Double(expected[run].GetProperty("accuracy")), accuracy, 1e-9, $"run {run} accuracy");
            GoldenFile.AssertClose(GoldenFile.Double(expected[run].GetProperty("f1_macro")), f1, 1e-9, $"run {run} f1");
            Assert.True(model.Objective <= GoldenFile.Double(expected[run].GetProperty("optimum_objective")) * (1 + 1e-6));
            accuracySum += accuracy;
            f1Sum += f1;
        }
        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("accuracy")), accuracySum / experiments.Length, 1e-9, "accuracy");
        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("f1_macro")), f1Sum / experiments.Length, 1e-9, "f1");
    }

    [Fact]
    public void RejectsSingleClass()
    {
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[1.0], [2.0]], [3, 3]));
    }
}
