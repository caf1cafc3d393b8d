using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// Multinomial logistic regression on embeddings (full-batch Adam, a fixed number of iterations): the cost stand-in of
/// MTEB's classification scoring (scikit-learn LogisticRegression, max_iter 100) until the evaluator lands on main.
/// </summary>
internal static class LogisticRegressionProbe
{
    /// <summary>Fits on (<paramref name="train"/>, <paramref name="trainLabels"/>) and returns the test accuracy.</summary>
    public static double FitAndScore(float[][] train, int[] trainLabels, float[][] test, int[] testLabels, int classes, int iterations = 100)
    {
        using var scope = NewDisposeScope();
        int d = train[0].Length;
        var x = tensor(train.SelectMany(r => r).ToArray(), [train.Length, d]);
        var y = tensor(trainLabels.Select(l => (long)l).ToArray());
        var w = new TorchSharp.Modules.Parameter(zeros([d, classes]));
        var b = new TorchSharp.Modules.Parameter(zeros([classes]));
        var optimizer = optim.Adam([w, b], lr: 0.05);
        for (int i = 0; i < iterations; i++)
        {
            using var step = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(x.matmul(w).add(b), y).add(w.pow(2).sum().mul(1e-4));
            loss.backward();
            optimizer.step();
        }
        using var _ = no_grad();
        var xt = tensor(test.SelectMany(r => r).ToArray(), [test.Length, d]);
        var predicted = xt.matmul(w).add(b).argmax(1).data<long>().ToArray();
        return predicted.Zip(testLabels).Count(p => p.First == p.Second) / (double)test.Length;
    }
}
