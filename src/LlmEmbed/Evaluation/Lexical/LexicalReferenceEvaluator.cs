using System.Diagnostics;
using LlmEmbed.Evaluation.Data;
using LlmEmbed.Evaluation.Evaluators;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Search;
using LlmEmbed.Evaluation.Tasks;

namespace LlmEmbed.Evaluation.Lexical;

/// <summary>
/// Evaluates a <see cref="LexicalReference"/> on a task with the same data preparation, splits, protocols and metric
/// functions as <see cref="MtebEvaluator"/>; only the representation differs (sparse TF-IDF vectors or BM25 scores
/// instead of embeddings). TF-IDF is fitted on the texts the task evaluates (both sides of every STS or pair row; the
/// corpus and the queries of retrieval; queries and candidates of reranking; the test texts and the experiments'
/// train rows of classification; the texts of clustering).
/// </summary>
public sealed class LexicalReferenceEvaluator
{
    private readonly LexicalReference _reference;
    private readonly string _dataRoot;
    private readonly int? _maxSamples;
    private readonly int _seed;
    private readonly IProgress<string>? _progress;

    public LexicalReferenceEvaluator(LexicalReference reference, string dataRoot, int? maxSamplesPerTask = null, int seed = 42, IProgress<string>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataRoot);
        if (!Directory.Exists(dataRoot)) throw new DirectoryNotFoundException($"data root {dataRoot} does not exist");
        _reference = reference;
        _dataRoot = dataRoot;
        _maxSamples = maxSamplesPerTask;
        _seed = seed;
        _progress = progress;
    }

    public string Name => LexicalReferences.Name(_reference);

    public bool AppliesTo(TaskDefinition task) => LexicalReferences.AppliesTo(_reference, task.Type);

    public TaskResult EvaluateTask(TaskDefinition task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!AppliesTo(task)) throw new NotSupportedException($"{Name} does not apply to {TaskTypeNames.ToName(task.Type)} tasks ({task.Name})");
        string folder = Path.GetFullPath(Path.Combine(_dataRoot, task.Path));
        var context = new TaskContext(task, folder, encoder: null, _maxSamples, _seed, _progress);
        var watch = Stopwatch.StartNew();
        SplitScores scores = task.Type switch
        {
            TaskType.Sts => Sts(context),
            TaskType.PairClassification => PairClassification(context),
            TaskType.Classification => Classification(context, cancellationToken),
            TaskType.Clustering => Clustering(context),
            TaskType.Reranking => Reranking(context),
            TaskType.Retrieval => Retrieval(context, cancellationToken),
            _ => throw new NotSupportedException($"task type {task.Type} is not supported"),
        };
        watch.Stop();
        if (!scores.Metrics.TryGetValue(task.MainScore, out double main))
            throw new InvalidOperationException($"{task.Name}: main score '{task.MainScore}' is not among the {task.Type} metrics");
        scores = scores with { MainScore = main };
        if (_maxSamples is int max)
            context.Warnings.Add($"subsampled to at most {max} rows per split (test mode): not comparable to full results");
        return new TaskResult(
            task.Name, MtebEvaluator.DatasetRevision(folder), new Dictionary<string, IReadOnlyList<SplitScores>> { [task.EvalSplit] = [scores] },
            watch.Elapsed.TotalSeconds, Name, TaskTypeNames.ToName(task.Type), task.Category, context.EvaluatedRows, context.Warnings,
            MainScoreName: task.MainScore);
    }

    private TfidfOptions Tfidf => _reference switch
    {
        LexicalReference.TfidfWord => TfidfOptions.Words,
        LexicalReference.TfidfChar => TfidfOptions.CharacterNgrams,
        _ => throw new InvalidOperationException($"{Name} is not a TF-IDF reference"),
    };

    private SplitScores Sts(TaskContext context)
    {
        var pairs = context.Subsample(DatasetReader.ReadSts(context.DatasetFolder, context.Task.EvalSplit));
        if (pairs.Count < 2) throw new InvalidOperationException($"{context.Task.Name}: STS needs at least 2 pairs, got {pairs.Count}");
        context.EvaluatedRows = pairs.Count;
        var (cosine, _, manhattan, euclidean) = PairScores(pairs.Select(p => p.Sentence1).ToArray(), pairs.Select(p => p.Sentence2).ToArray());
        var gold = pairs.Select(p => p.Score).ToArray();
        var scores = StsMetrics.FromScores(cosine, manhattan.Select(x => -x).ToArray(), euclidean.Select(x => -x).ToArray(), gold);
        return StsEvaluator.ToSplitScores(scores, gold);
    }

    private SplitScores PairClassification(TaskContext context)
    {
        var pairs = context.Subsample(DatasetReader.ReadPairClassification(context.DatasetFolder, context.Task.EvalSplit));
        context.EvaluatedRows = pairs.Count;
        var (cosine, dot, manhattan, euclidean) = PairScores(pairs.Select(p => p.Sentence1).ToArray(), pairs.Select(p => p.Sentence2).ToArray());
        var labels = pairs.Select(p => p.Label).ToArray();
        return PairClassificationEvaluator.ToSplitScores(PairClassificationMetrics.FromPairScores(cosine, dot, manhattan, euclidean, labels), labels);
    }

    // TF-IDF fitted on both sides of every pair (in order, repeats counted), then the per-pair scores.
    private (double[] Cosine, double[] Dot, double[] Manhattan, double[] Euclidean) PairScores(string[] first, string[] second)
    {
        var vectorizer = TfidfVectorizer.Fit([.. first, .. second], Tfidf);
        int n = first.Length;
        var cosine = new double[n];
        var dot = new double[n];
        var manhattan = new double[n];
        var euclidean = new double[n];
        for (int i = 0; i < n; i++)
            (cosine[i], dot[i], manhattan[i], euclidean[i]) = SparseVector.PairScores(vectorizer.Transform(first[i]), vectorizer.Transform(second[i]));
        return (cosine, dot, manhattan, euclidean);
    }

    private SplitScores Classification(TaskContext context, CancellationToken cancellationToken)
    {
        var setup = ClassificationEvaluator.Prepare(context);
        int[] used = setup.UsedTrainRows;
        var vectorizer = TfidfVectorizer.Fit([.. setup.Test.Select(r => r.Text), .. used.Select(i => setup.Train[i].Text)], Tfidf);
        var train = new Dictionary<int, SparseVector>(used.Length);
        foreach (int i in used) train[i] = vectorizer.Transform(setup.Train[i].Text);
        var test = vectorizer.Transform(setup.Test.Select(r => r.Text).ToArray());
        return ClassificationEvaluator.RunExperiments(context, setup, selected =>
        {
            // A feature that is zero in every training row gets coefficient 0 at the L2-penalised optimum, so keeping
            // only the features of the selected rows gives the same classifier with far fewer columns.
            var columns = new Dictionary<int, int>();
            foreach (int i in selected)
                foreach (int feature in train[i].Indices)
                    columns.TryAdd(feature, columns.Count);
            var model = LogisticRegression.Fit(selected.Select(i => train[i].ToDense(columns.Count, columns)).ToArray(), selected.Select(i => setup.TrainLabels[i]).ToArray());
            var predictions = new int[test.Length];
            const int chunk = 256;
            for (int start = 0; start < test.Length; start += chunk)
            {
                int end = Math.Min(test.Length, start + chunk);
                var rows = new double[end - start][];
                for (int r = start; r < end; r++) rows[r - start] = test[r].ToDense(columns.Count, columns);
                model.Predict(rows).CopyTo(predictions, start);
            }
            return predictions;
        }, cancellationToken);
    }

    private SplitScores Clustering(TaskContext context)
    {
        var rows = context.Subsample(DatasetReader.ReadLabeledTexts(context.DatasetFolder, context.Task.EvalSplit));
        context.EvaluatedRows = rows.Count;
        int k = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count();
        if (k < 2) context.Warn($"only {k} distinct label; V-measure is degenerate");
        var texts = rows.Select(r => r.Text).ToArray();
        var vectors = TfidfVectorizer.Fit(texts, Tfidf).Transform(texts);
        var options = new KMeansOptions(k, Restarts: ClusteringEvaluator.Restarts, MaxIterations: rows.Count > ClusteringEvaluator.MiniBatchThreshold ? 100 : 300, Seed: context.Seed, BatchSize: 500);
        var assignments = SparseKMeans.Fit(vectors, options);
        return ClusteringEvaluator.ToSplitScores(rows, assignments);
    }

    private SplitScores Reranking(TaskContext context)
    {
        var samples = context.Subsample(DatasetReader.ReadReranking(context.DatasetFolder, context.Task.EvalSplit));
        int skipped = samples.Count(s => s.Positives.Count == 0 || s.Negatives.Count == 0);
        if (skipped > 0) context.Warn($"{skipped} instance(s) without positives or without negatives are skipped (as MTEB does)");
        var perInstance = new List<RerankingInstanceResult>(samples.Count);
        Func<int, string[], double[]> score;
        if (_reference == LexicalReference.Bm25)
        {
            // The collection is every distinct candidate of the task, so idf reflects the whole candidate pool.
            var pool = samples.SelectMany(s => s.Positives.Concat(s.Negatives)).Distinct(StringComparer.Ordinal).ToArray();
            var position = pool.Select((text, i) => (text, i)).ToDictionary(p => p.text, p => p.i, StringComparer.Ordinal);
            var index = new Bm25Index(pool);
            score = (i, candidates) =>
            {
                var all = index.Score(samples[i].Query);
                return candidates.Select(c => all[position[c]]).ToArray();
            };
        }
        else
        {
            var vectorizer = TfidfVectorizer.Fit(samples.SelectMany(s => s.Positives.Concat(s.Negatives).Prepend(s.Query)), Tfidf);
            score = (i, candidates) =>
            {
                var query = vectorizer.Transform(samples[i].Query);
                return candidates.Select(c => query.Dot(vectorizer.Transform(c))).ToArray();
            };
        }
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            if (s.Positives.Count == 0 || s.Negatives.Count == 0)
            {
                perInstance.Add(RerankingInstanceResult.SkippedInstance);
                continue;
            }
            string[] candidates = [.. s.Positives, .. s.Negatives];
            var isRelevant = candidates.Select((_, c) => c < s.Positives.Count).ToArray();
            perInstance.Add(RerankingMetrics.ScoreInstance(score(i, candidates), isRelevant));
        }
        var result = RerankingMetrics.Summarise(perInstance);
        context.EvaluatedRows = result.EvaluatedCount;
        return RerankingEvaluator.ToSplitScores(result, context.Task.Name);
    }

    private SplitScores Retrieval(TaskContext context, CancellationToken cancellationToken)
    {
        var (data, queries, corpus) = RetrievalEvaluator.Prepare(context);
        var documents = corpus.Select(d => d.FormattedText).ToArray();
        Func<string, double[]> score;
        if (_reference == LexicalReference.Bm25)
        {
            var index = new Bm25Index(documents);
            score = index.Score;
        }
        else
        {
            var vectorizer = TfidfVectorizer.Fit([.. documents, .. queries.Select(q => q.Text)], Tfidf);
            var inverted = new InvertedIndex(vectorizer.Transform(documents));
            score = query => inverted.Dot(vectorizer.Transform(query));
        }
        var hits = new SearchHit[queries.Count][];
        for (int q = 0; q < queries.Count; q++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double[] s = score(queries[q].Text);
            // Best first; equal scores by corpus position (the metrics re-rank ties by trec_eval's rule anyway).
            hits[q] = Enumerable.Range(0, s.Length).OrderByDescending(i => s[i]).ThenBy(i => i)
                .Take(RetrievalEvaluator.TopK + 1).Select(i => new SearchHit(i, s[i])).ToArray();
        }
        return RetrievalEvaluator.ToSplitScores(RetrievalEvaluator.ResultsFromHits(queries, corpus, hits, context.Task.IgnoreIdenticalIds), queries, data);
    }
}
