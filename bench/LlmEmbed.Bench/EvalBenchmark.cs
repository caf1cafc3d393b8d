using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Evaluation.Search;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// Evaluation time per task type (STS, retrieval, classification), split into encoding and scoring, for the default
/// model; and ExactSearch scoring throughput against the measured fp32 matmul rate.
/// </summary>
internal static class EvalBenchmark
{
    public static void Run(BenchSettings s, ResultSink sink)
    {
        var rates = MatmulCalibration.Measure(5);
        var records = new ProgressList();
        var (backbone, tokenizer, source) = BenchModels.DefaultBase(s, ScalarType.BFloat16);
        using (var model = BenchModels.Embedding(backbone, tokenizer, ScalarType.BFloat16, lora: false))
        {
            model.Encode(["warm-up text"]);
            records.Add(Sts(s, model));
            records.Add(Retrieval(s, model));
            records.Add(Classification(s, model));
        }
        records.Add(SearchThroughput(s, rates));
        var notes = new List<string>
        {
            $"default model (eos-causal, bf16, batch 32, max length 512): {source}; with random weights the quality numbers are chance level and only the times mean something.",
            "encode s = EmbeddingModel.Encode of every text of the task (tokenisation included); score s = the scoring after the embeddings exist: "
            + "STS cosine per pair + Spearman; retrieval ExactSearch top-100 cosine + RetrievalMetrics.Evaluate; classification a logistic-regression probe "
            + "(full-batch Adam, 100 iterations, a stand-in for MTEB's scikit-learn LogisticRegression) + accuracy.",
            "search row: ExactSearch.Search (1024 x 16384 x 256) on random float32 [queries x dim] vs [docs x dim] tensors, top-100 cosine; 'G q·d·dim/s' = queries x docs x dim / time / 1e9, "
            + "its FLOPs (2·q·d·dim) are divided by the measured fp32 matmul rate (the search runs in fp32).",
            s.Quick ? "--quick: STS 256 pairs, Cranfield 50 queries over their judged docs plus random docs (400 in all), Banking77 500 train / 300 test texts."
                    : "full: STSBenchmark test, all of Cranfield, Banking77 2000 train / all 3080 test texts.",
        };
        rates = rates.Best(MatmulCalibration.Measure(5));
        sink.Report("eval", rates, records, notes);
    }

    private static BenchRecord Sts(BenchSettings s, EmbeddingModel model)
    {
        var pairs = BenchCorpus.StsPairs(s.Data("sts", "STSBenchmark", "test.jsonl"));
        if (s.Quick) pairs = pairs.Take(256).ToList();
        float[][] a = [], b = [];
        double encode = Timing.Seconds(() =>
        {
            a = model.Encode(pairs.Select(p => p.A).ToList());
            b = model.Encode(pairs.Select(p => p.B).ToList());
        });
        double spearman = 0;
        double score = Timing.Seconds(() =>
        {
            var cosines = a.Zip(b, Cosine).ToList();
            spearman = SpearmanCorrelation.Compute(cosines, pairs.Select(p => p.Score).ToList());
        });
        return Row("STS (STSBenchmark)", 2 * pairs.Count, encode, score, "spearman", spearman);
    }

    private static BenchRecord Retrieval(BenchSettings s, EmbeddingModel model)
    {
        string dir = s.Data("retrieval", "Cranfield");
        var queries = BenchCorpus.BeirQueries(Path.Combine(dir, "queries.jsonl"));
        var corpus = BenchCorpus.BeirCorpus(Path.Combine(dir, "corpus.jsonl"));
        var qrels = BenchCorpus.Qrels(Path.Combine(dir, "qrels", "test.tsv"));
        queries = queries.Where(q => qrels.ContainsKey(q.Id)).ToList();
        if (s.Quick)
        {
            queries = queries.Take(50).ToList();
            var judged = queries.SelectMany(q => qrels[q.Id].Keys).ToHashSet();
            var rest = BenchCorpus.Sample(corpus.Where(d => !judged.Contains(d.Id)).ToList(), Math.Max(0, 400 - judged.Count), 41);
            corpus = corpus.Where(d => judged.Contains(d.Id)).Concat(rest).ToList();
        }
        float[][] q = [], d = [];
        double encode = Timing.Seconds(() =>
        {
            q = model.Encode(queries.Select(x => x.Text).ToList());
            d = model.Encode(corpus.Select(x => x.Text).ToList());
        });
        double ndcg = 0;
        double score = Timing.Seconds(() =>
        {
            var hits = ExactSearch.Search(q, d, 100, SearchSimilarity.Cosine);
            var results = new Dictionary<string, IReadOnlyList<ScoredDocument>>();
            for (int i = 0; i < queries.Count; i++)
                results[queries[i].Id] = hits[i].Select(h => new ScoredDocument(corpus[h.Index].Id, h.Score)).ToList();
            var evaluation = RetrievalMetrics.Evaluate(results, qrels.Where(kv => results.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), [10]);
            ndcg = evaluation.Mean.NdcgAt(10);
        });
        return Row($"retrieval (Cranfield {queries.Count} q x {corpus.Count} d)", queries.Count + corpus.Count, encode, score, "nDCG@10", ndcg);
    }

    private static BenchRecord Classification(BenchSettings s, EmbeddingModel model)
    {
        string dir = s.Data("classification", "Banking77");
        var train = BenchCorpus.Sample(BenchCorpus.Classification(Path.Combine(dir, "train.jsonl")), s.Quick ? 500 : 2000, 51);
        var test = BenchCorpus.Classification(Path.Combine(dir, "test.jsonl"));
        if (s.Quick) test = BenchCorpus.Sample(test, 300, 52);
        var labels = train.Select(t => t.Label).Concat(test.Select(t => t.Label)).Distinct().Order(StringComparer.Ordinal).ToList();
        float[][] xTrain = [], xTest = [];
        double encode = Timing.Seconds(() =>
        {
            xTrain = model.Encode(train.Select(t => t.Text).ToList());
            xTest = model.Encode(test.Select(t => t.Text).ToList());
        });
        double accuracy = 0;
        double score = Timing.Seconds(() => accuracy = LogisticRegressionProbe.FitAndScore(
            xTrain, train.Select(t => labels.IndexOf(t.Label)).ToArray(), xTest, test.Select(t => labels.IndexOf(t.Label)).ToArray(), labels.Count));
        return Row($"classification (Banking77 {train.Count}+{test.Count})", train.Count + test.Count, encode, score, "accuracy", accuracy);
    }

    private static BenchRecord Row(string name, int texts, double encode, double score, string metric, double value) =>
        new BenchRecord("eval", name)
            .Add("texts", texts)
            .Add("encode s", encode)
            .Add("score s", score)
            .Add("texts/s (encode)", texts / encode)
            .Add("metric", metric)
            .Add("value", value);

    private static BenchRecord SearchThroughput(BenchSettings s, MatmulRates rates)
    {
        int queries = 1024, docs = 16384, dim = 256;
        using var scope = NewDisposeScope();
        var gen = new Generator(61);
        var q = randn([queries, dim], generator: gen);
        var d = randn([docs, dim], generator: gen);
        ExactSearch.Search(q.narrow(0, 0, 8), d, 100, SearchSimilarity.Cosine); // warm-up
        double seconds = Timing.MedianSeconds(() => ExactSearch.Search(q, d, 100, SearchSimilarity.Cosine), warmup: 0, repeats: 3);
        double qdd = (double)queries * docs * dim;
        return new BenchRecord("eval", $"ExactSearch {queries} q x {docs} d x {dim} fp32 top-100")
            .Add("score s", seconds)
            .Add("G q·d·dim/s", qdd / seconds / 1e9)
            .Add("GFLOP/s", 2 * qdd / seconds / 1e9)
            .Add("fraction of fp32 matmul", rates.Mfu(2 * qdd / seconds, bf16: false));
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb + 1e-24);
    }
}
