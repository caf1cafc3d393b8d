using LlmEmbed.Embedding;
using LlmEmbed.Evaluation;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Search;
using LlmEmbed.Evaluation.Tasks;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// Time of the library's MTEB evaluation per task type (STS, retrieval, reranking, classification, clustering, pair
/// classification), split into encoding and scoring, for the default model; and ExactSearch scoring throughput against
/// the measured fp32 matmul rate.
/// </summary>
internal static class EvalBenchmark
{
    /// <summary>The benchmarked tasks (one per task type) and their row limit in --quick mode (MtebEvaluatorOptions.MaxSamplesPerTask).</summary>
    private static readonly (string Task, int QuickSamples)[] Tasks =
    [
        ("STSBenchmark", 256),
        ("Cranfield", 40),
        ("WikiQA", 60),
        ("TREC", 300),
        ("TwentyNewsgroupsClustering", 1000),
        ("MRPC", 256),
    ];

    public static void Run(BenchSettings s, ResultSink sink)
    {
        var rates = MatmulCalibration.Measure(5);
        var records = new ProgressList();
        var registry = TaskRegistry.Load(s.Repo("src", "LlmEmbed", TaskRegistry.RelativePath));
        var (backbone, tokenizer, source) = BenchModels.DefaultBase(s, ScalarType.BFloat16);
        string output = Path.Combine(Path.GetTempPath(), $"llmembed-bench-eval-{Environment.ProcessId}");
        try
        {
            using var model = BenchModels.Embedding(backbone, tokenizer, ScalarType.BFloat16, lora: false);
            model.Encode(["warm-up text"]);
            using var timed = new TimedEmbeddingGenerator(new EmbeddingGenerator(model, "bench-default"));
            foreach (var (name, quickSamples) in Tasks)
                records.Add(EvaluateTask(s, registry.Get(name), timed, output, s.Quick ? quickSamples : null));
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
        records.Add(SearchThroughput(s, rates));
        var notes = new List<string>
        {
            $"default model (eos-causal, bf16, max length 512) as an EmbeddingGenerator: {source}; with random weights the quality numbers are chance level and only the times mean something.",
            "each row is one MtebEvaluator.EvaluateTaskAsync (the library's evaluator for that task type, task instruction in the text, batch 32, embedding cache off: CacheFolder = \"\"). "
            + "encode s = time inside the IEmbeddingGenerator's GenerateAsync calls (tokenisation + forward, batches of 32 in the evaluator's order); "
            + "score s = the rest of the task: reading the data, de-duplication, output checks and the protocol (STS cosine Spearman; retrieval ExactSearch + nDCG; "
            + "reranking MAP/MRR; classification 10 experiments of logistic regression (L-BFGS) on 8 samples per label; clustering k-means + V-measure; pair classification AP/F1 thresholds). "
            + "texts = texts sent to the model (duplicates are encoded once).",
            "search row: ExactSearch.Search (1024 x 16384 x 256) on random float32 [queries x dim] vs [docs x dim] tensors, top-100 cosine; 'G q·d·dim/s' = queries x docs x dim / time / 1e9, "
            + "its FLOPs (2·q·d·dim) are divided by the measured fp32 matmul rate (the search runs in fp32).",
            s.Quick ? "--quick: MaxSamplesPerTask " + string.Join(", ", Tasks.Select(t => $"{t.Task} {t.QuickSamples}")) + " (retrieval keeps the kept queries' judged documents plus 4 x that many others); not comparable to full results."
                    : "full: every task's whole evaluation split.",
        };
        rates = rates.Best(MatmulCalibration.Measure(5));
        sink.Report("eval", rates, records, notes);
    }

    private static BenchRecord EvaluateTask(BenchSettings s, TaskDefinition task, TimedEmbeddingGenerator generator, string output, int? maxSamples)
    {
        var evaluator = new MtebEvaluator(generator, "bench-default", new MtebEvaluatorOptions
        {
            DataRoot = s.DataRoot,
            OutputFolder = output,
            CacheFolder = "",
            MaxSamplesPerTask = maxSamples,
        });
        generator.Reset();
        TaskResult result = null!;
        double total = Timing.Seconds(() => result = evaluator.EvaluateTaskAsync(task).GetAwaiter().GetResult());
        double encode = generator.Seconds;
        return new BenchRecord("eval", $"{TaskTypeNames.ToName(task.Type)} ({task.Name})")
            .Add("rows", result.EvaluatedRows)
            .Add("texts", generator.Texts)
            .Add("encode s", encode)
            .Add("score s", total - encode)
            .Add("texts/s (encode)", generator.Texts / encode)
            .Add("metric", task.MainScore)
            .Add("value", result.MainScore);
    }

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
            .Add("fraction of fp32 matmul", new MatmulFraction(2 * qdd / seconds, bf16: false));
    }
}
