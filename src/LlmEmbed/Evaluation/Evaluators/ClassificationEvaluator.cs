using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Data;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Evaluation.Results;

namespace LlmEmbed.Evaluation.Evaluators;

/// <summary>
/// MTEB (v1) classification: 10 experiments, each undersampling the train split to n examples per label (MTEB's
/// reshuffled index array, here with System.Random seeded by the context seed), fitting logistic regression
/// (C = 1, 100 iterations) on the embeddings and scoring the full test split; accuracy (main), macro-F1 and, for
/// two classes, AP of the hard predictions, averaged over the experiments.
/// </summary>
/// <remarks>
/// Datasets without a train split (MR, MPQA) are split deterministically: the rows are shuffled with the seed and
/// the first half trains, the second half is evaluated (MTEB/SentEval would cross-validate instead).
/// </remarks>
public static class ClassificationEvaluator
{
    public const int Experiments = 10;

    /// <summary>The rows, labels and the experiments' undersampled train rows of a classification task.</summary>
    public sealed record Setup(
        IReadOnlyList<LabeledText> Train, IReadOnlyList<LabeledText> Test, string TrainSplit, string TestSplit,
        string[] LabelNames, int[] TrainLabels, int[] TestLabels, int[][] Selections)
    {
        /// <summary>Train rows used by at least one experiment, ascending.</summary>
        public int[] UsedTrainRows => Selections.SelectMany(s => s).Distinct().Order().ToArray();
    }

    public static async Task<SplitScores> EvaluateAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var setup = Prepare(context);
        // Only the train rows some experiment uses are encoded (as MTEB, which undersamples texts before encoding).
        int[] used = setup.UsedTrainRows;
        var trainEmbeddings = StsMetrics.Widen(await context.EncodeAsync(setup.TrainSplit, TextRole.Text, used.Select(i => setup.Train[i].Text).ToArray(), cancellationToken));
        var xTrain = new Dictionary<int, double[]>(used.Length);
        for (int u = 0; u < used.Length; u++) xTrain[used[u]] = trainEmbeddings[u];
        double[][] xTest = StsMetrics.Widen(await context.EncodeAsync(setup.TestSplit, TextRole.Text, setup.Test.Select(r => r.Text).ToArray(), cancellationToken));
        return RunExperiments(context, setup, selected =>
            LogisticRegression.Fit(selected.Select(i => xTrain[i]).ToArray(), selected.Select(i => setup.TrainLabels[i]).ToArray()).Predict(xTest),
            cancellationToken);
    }

    /// <summary>Reads the splits (or halves the eval split), checks the labels and draws the experiments' samples.</summary>
    public static Setup Prepare(TaskContext context)
    {
        var task = context.Task;
        IReadOnlyList<LabeledText> train, test;
        string trainSplit, testSplit = task.EvalSplit;
        if (task.TrainSplit is null)
        {
            var rows = DatasetReader.ReadLabeledTexts(context.DatasetFolder, task.EvalSplit);
            if (rows.Count < 4) throw new InvalidDataException($"{task.Name}: {rows.Count} rows are too few to split into train and test halves");
            var order = Enumerable.Range(0, rows.Count).ToArray();
            Sampling.Shuffle(order, new Random(context.Seed));
            int half = rows.Count / 2;
            train = order[..half].Order().Select(i => rows[i]).ToArray();
            test = order[half..].Order().Select(i => rows[i]).ToArray();
            trainSplit = task.EvalSplit + "-half-train";
            testSplit = task.EvalSplit + "-half-test";
        }
        else
        {
            train = DatasetReader.ReadLabeledTexts(context.DatasetFolder, task.TrainSplit);
            test = DatasetReader.ReadLabeledTexts(context.DatasetFolder, task.EvalSplit);
            trainSplit = task.TrainSplit;
        }
        // Subsampling (tests only) limits both splits.
        train = context.Subsample(train);
        test = context.Subsample(test);
        context.EvaluatedRows = test.Count;

        var labelNames = train.Select(r => r.Label).Concat(test.Select(r => r.Label)).Distinct().Order(StringComparer.Ordinal).ToArray();
        var labelIds = labelNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var trainLabelSet = train.Select(r => r.Label).ToHashSet(StringComparer.Ordinal);
        var unseen = test.Select(r => r.Label).Where(l => !trainLabelSet.Contains(l)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (unseen.Length > 0)
            context.Warn($"test label(s) missing from the train split: {string.Join(", ", unseen)} (they can never be predicted)");
        if (trainLabelSet.Count < 2)
            throw new InvalidDataException($"{task.Name}: the train split has {trainLabelSet.Count} label(s); classification needs at least 2");

        int[] yTrain = train.Select(r => labelIds[r.Label]).ToArray();
        int[] yTest = test.Select(r => labelIds[r.Label]).ToArray();

        // The experiments' samples depend only on the labels, so they are drawn before anything is encoded.
        var random = new Random(context.Seed);
        var indices = Enumerable.Range(0, train.Count).ToArray();
        var selections = new int[Experiments][];
        for (int experiment = 0; experiment < Experiments; experiment++)
        {
            Sampling.Shuffle(indices, random);
            selections[experiment] = Sampling.UndersamplePerLabel(indices, yTrain, task.SamplesPerLabel);
        }
        return new Setup(train, test, trainSplit, testSplit, labelNames, yTrain, yTest, selections);
    }

    /// <summary>
    /// Runs the experiments — <paramref name="fitAndPredict"/> gets an experiment's selected train rows and returns
    /// its predicted label id for every test row — and averages accuracy, macro-F1 and (two classes) AP; the per-item
    /// score is the fraction of experiments that classify the test row correctly (its mean is the accuracy).
    /// </summary>
    public static SplitScores RunExperiments(TaskContext context, Setup setup, Func<int[], int[]> fitAndPredict, CancellationToken cancellationToken)
    {
        int[] yTest = setup.TestLabels;
        bool binary = setup.LabelNames.Length == 2;
        var accuracies = new double[Experiments];
        var f1s = new double[Experiments];
        var aps = new double[Experiments];
        var correct = new int[Experiments][];
        // The experiments are independent and their samples fixed, so running them in parallel changes nothing
        // in the results; it only saves wall time (fits dominate for wide embeddings and many labels).
        Parallel.For(0, Experiments, new ParallelOptions { CancellationToken = cancellationToken }, experiment =>
        {
            int[] predictions = fitAndPredict(setup.Selections[experiment]);
            accuracies[experiment] = ClassificationMetrics.Accuracy(yTest, predictions);
            f1s[experiment] = ClassificationMetrics.MacroF1(yTest, predictions);
            if (binary) aps[experiment] = AveragePrecision.Compute(yTest, predictions.Select(p => (double)p).ToArray());
            correct[experiment] = predictions.Select((p, i) => p == yTest[i] ? 1 : 0).ToArray();
            context.Progress?.Report($"{context.Task.Name}: experiment {experiment + 1}/{Experiments} accuracy {accuracies[experiment]:F4}");
        });
        var metrics = new Dictionary<string, double>
        {
            ["accuracy"] = accuracies.Average(),
            ["accuracy_stderr"] = StandardDeviation(accuracies),
            ["f1"] = f1s.Average(),
            ["f1_stderr"] = StandardDeviation(f1s),
        };
        if (binary)
        {
            metrics["ap"] = aps.Average();
            metrics["ap_stderr"] = StandardDeviation(aps);
        }
        var perItem = new double[yTest.Length];
        for (int i = 0; i < perItem.Length; i++) perItem[i] = correct.Sum(c => c[i]) / (double)Experiments;
        return new SplitScores(metrics["accuracy"], metrics) { Items = ItemScores.FromMean(perItem) };
    }

    // MTEB's "stderr" is numpy.std (population standard deviation) over the experiments.
    private static double StandardDeviation(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }
}
