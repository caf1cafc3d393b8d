using LlmEmbed.Experiments;

namespace LlmEmbed.Tests.Experiments;

/// <summary>
/// A small hand-built experiment whose Wilcoxon p-values are known in closed form (scores are integers, so the
/// differences are exact):
/// sts (5 datasets): alpha beats beta and gamma on all 5 -> p = 2/2^5 = 0.0625 each; beta - gamma = [1,-2,3,-4,5]
/// -> R+ = 9, T = 6, p = 2·13/32 = 0.8125; Holm over 3 pairs: 0.1875, 0.1875, 0.8125.
/// retrieval (8 datasets, no gamma): alpha beats beta on all -> p = 2/256 = 0.0078125, significant.
/// reranking (1 dataset): n/a. classification (2 datasets x 2 seeds): alpha beats beta on all 4 (dataset, seed)
/// pairs -> p = 2/16 = 0.125; gamma only has an unseeded score -> no common key with alpha/beta -> n/a.
/// clustering: alpha and beta identical -> n/a (no non-zero difference).
/// </summary>
internal static class SyntheticExperiment
{
    public static List<ArmTaskScore> Scores()
    {
        var s = new List<ArmTaskScore>();
        double[] gamma = [60, 62, 64, 66, 68];
        double[] beta = [61, 60, 67, 62, 73];
        double[] alpha = [75, 75, 80, 80, 85];
        for (int i = 0; i < 5; i++)
        {
            s.Add(new("alpha", $"STS{i + 1}", TaskCategories.Sts, alpha[i]));
            s.Add(new("beta", $"STS{i + 1}", TaskCategories.Sts, beta[i]));
            s.Add(new("gamma", $"STS{i + 1}", TaskCategories.Sts, gamma[i]));
        }
        for (int i = 0; i < 8; i++)
        {
            s.Add(new("alpha", $"Retrieval{i + 1}", TaskCategories.Retrieval, 40 + 2 * i));
            s.Add(new("beta", $"Retrieval{i + 1}", TaskCategories.Retrieval, 40 + 2 * i - (i + 1)));
        }
        s.Add(new("alpha", "Rerank1", TaskCategories.Reranking, 55));
        s.Add(new("beta", "Rerank1", TaskCategories.Reranking, 50));
        s.Add(new("gamma", "Rerank1", TaskCategories.Reranking, 52));
        int k = 1;
        foreach (string task in new[] { "Class1", "Class2" })
        {
            foreach (long seed in new long[] { 1, 2 })
            {
                s.Add(new("alpha", task, TaskCategories.Classification, 70 + k, seed));
                s.Add(new("beta", task, TaskCategories.Classification, 70, seed));
                k++;
            }
        }
        s.Add(new("gamma", "Class1", TaskCategories.Classification, 65));
        for (int i = 0; i < 3; i++)
        {
            s.Add(new("alpha", $"Cluster{i + 1}", TaskCategories.Clustering, 30 + i));
            s.Add(new("beta", $"Cluster{i + 1}", TaskCategories.Clustering, 30 + i));
        }
        return s;
    }

    public static List<ArmLossCurve> LossCurves() =>
    [
        new("alpha", Enumerable.Range(1, 30).Select(i => ((long)i, 3.0 / i + 0.5)).ToList()),
        new("beta", Enumerable.Range(1, 30).Select(i => ((long)i, 3.5 / i + 0.6)).ToList()),
    ];
}
