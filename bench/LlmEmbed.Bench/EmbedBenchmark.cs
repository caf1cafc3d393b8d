using LlmEmbed.Embedding;
using LlmEmbed.Models;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// Embedding throughput (EmbeddingModel.Encode, eos pooler, causal) for the default model and the Qwen2-0.5B shape,
/// and padding efficiency of length-sorted vs. unsorted batching on a mixed-length corpus (STSBenchmark + SciFact).
/// </summary>
internal static class EmbedBenchmark
{
    public const int BatchSize = 32, MaxLength = 512;

    public static void Run(BenchSettings s, ResultSink sink)
    {
        var rates = MatmulCalibration.Measure(5);
        var corpus = MixedCorpus(s);
        var records = new ProgressList();
        var notes = new List<string>();

        var (defaultBackbone, defaultTokenizer, source) = BenchModels.DefaultBase(s, ScalarType.BFloat16);
        using (var model = BenchModels.Embedding(defaultBackbone, defaultTokenizer, ScalarType.BFloat16, lora: false, MaxLength))
        {
            // Padding efficiency needs only lengths: measure it on (a large sample of) the corpus.
            var efficiencyTexts = s.Quick ? BenchCorpus.Sample(corpus, 2000, 11) : corpus;
            var lengths = efficiencyTexts.Select(t => model.Tokenize(t).Ids.Count).ToList();
            double sorted = PaddingEfficiency(lengths, sortByLength: true), unsorted = PaddingEfficiency(lengths, sortByLength: false);
            records.Add(new BenchRecord("embed", "padding efficiency (default tokenizer)")
                .Add("texts", lengths.Count)
                .Add("mean tokens", lengths.Average())
                .Add("sorted eff.", sorted)
                .Add("unsorted eff.", unsorted)
                .Add("target >= 0.9 met", sorted >= 0.9));
            notes.Add($"padding efficiency = real tokens / processed (padded) tokens at batch {BatchSize}, max length {MaxLength}, over {lengths.Count} texts "
                      + "(STSBenchmark test sentences + SciFact corpus, shuffled); sorted = EmbeddingModel.Encode's longest-first batching, unsorted = batches in corpus order.");
            int count = s.Quick ? 128 : 1024;
            records.AddRange(Throughput(model, $"default {BenchModels.Name(ScalarType.BFloat16)}", BenchCorpus.Sample(corpus, count, 12), rates, BatchSize));
            notes.Add($"default model: llama hidden 256, 8 layers, intermediate 768, 8/2 heads, vocab 8192 tied; {source}.");
        }

        int layers = s.Quick ? 4 : 24;
        var qwenConfig = BenchModels.Qwen2HalfB(layers);
        using (var model = BenchModels.Embedding(DecoderModel.CreateRandom(qwenConfig, 1, ScalarType.BFloat16), BenchModels.Qwen2Tokenizer(s), ScalarType.BFloat16, lora: false, MaxLength))
        {
            int count = s.Quick ? 48 : 256, batchSize = s.Quick ? 8 : BatchSize;
            records.AddRange(Throughput(model, $"qwen2-0.5b-shape L{layers} bf16", BenchCorpus.Sample(corpus, count, 13), rates, batchSize));
            notes.Add($"Qwen2-0.5B shape with random weights and the Qwen2 tokenizer, {layers} of 24 layers{(s.Quick ? " and batch 8 (--quick)" : "")}.");
        }
        notes.Add("tokens/s counts real tokens (BOS/EOS included); MFU (processed) = model FLOPs of the padded batches / time / measured bf16 matmul rate; "
                  + "MFU (useful) counts each text at its own length, so it also charges the padding. Model FLOPs as in `forward` (no LM head). Tokenisation is not timed.");
        rates = rates.Best(MatmulCalibration.Measure(5));
        sink.Report("embed", rates, records, notes);
    }

    private static List<string> MixedCorpus(BenchSettings s)
    {
        var sts = BenchCorpus.StsPairs(s.Data("sts", "STSBenchmark", "test.jsonl")).SelectMany(p => new[] { p.A, p.B });
        var scifact = BenchCorpus.BeirCorpus(s.Data("retrieval", "SciFact", "corpus.jsonl")).Select(d => d.Text);
        return BenchCorpus.Sample(sts.Concat(scifact).ToList(), int.MaxValue, 10);
    }

    /// <summary>Real tokens / processed tokens when <paramref name="lengths"/> are cut into batches of <see cref="BatchSize"/>.</summary>
    public static double PaddingEfficiency(IReadOnlyList<int> lengths, bool sortByLength)
    {
        var order = sortByLength ? lengths.OrderByDescending(l => l).ToList() : lengths.ToList();
        long real = 0, processed = 0;
        for (int start = 0; start < order.Count; start += BatchSize)
        {
            var batch = order.Skip(start).Take(BatchSize).ToList();
            real += batch.Sum();
            processed += (long)batch.Max() * batch.Count;
        }
        return (double)real / processed;
    }

    private static IEnumerable<BenchRecord> Throughput(EmbeddingModel model, string name, IReadOnlyList<string> texts, MatmulRates rates, int batchSize)
    {
        var tokenized = texts.Select(t => model.Tokenize(t)).ToList();
        var config = model.Backbone.Config;
        long realTokens = tokenized.Sum(t => (long)t.Ids.Count);
        double usefulFlops = tokenized.Sum(t => ModelFlops.Forward(config, 1, t.Ids.Count));
        var options = new EncodeOptions { BatchSize = batchSize };
        model.Encode(tokenized.Take(Math.Min(4, tokenized.Count)).ToList(), options); // warm-up
        foreach (bool sorted in new[] { true, false })
        {
            var batches = Batches(tokenized, sorted, batchSize);
            double processedFlops = batches.Sum(b => ModelFlops.Forward(config, b.Count, b.Max(t => t.Ids.Count)));
            long processedTokens = batches.Sum(b => (long)b.Count * b.Max(t => t.Ids.Count));
            double seconds = sorted
                ? Timing.Seconds(() => model.Encode(tokenized, options))
                : Timing.Seconds(() => EncodeInOrder(model, batches));
            yield return new BenchRecord("embed", $"{name} {(sorted ? "sorted" : "unsorted")}")
                .Add("batch", batchSize)
                .Add("texts", texts.Count)
                .Add("seconds", seconds)
                .Add("texts/s", texts.Count / seconds)
                .Add("tokens/s", realTokens / seconds)
                .Add("padding eff.", (double)realTokens / processedTokens)
                .Add("MFU (processed)", new MatmulFraction(processedFlops / seconds, bf16: true))
                .Add("MFU (useful)", new MatmulFraction(usefulFlops / seconds, bf16: true));
        }
    }

    private static List<List<TokenizedText>> Batches(IReadOnlyList<TokenizedText> texts, bool sorted, int batchSize)
    {
        var order = sorted ? texts.OrderByDescending(t => t.Ids.Count).ToList() : texts.ToList();
        return order.Chunk(batchSize).Select(c => c.ToList()).ToList();
    }

    /// <summary>What Encode does per batch, but in the given (unsorted) order.</summary>
    private static void EncodeInOrder(EmbeddingModel model, IReadOnlyList<List<TokenizedText>> batches)
    {
        using var _ = no_grad();
        foreach (var texts in batches)
        {
            using var scope = NewDisposeScope();
            using var batch = model.Collate(texts);
            model.Forward(batch).to(ScalarType.Float32).cpu().data<float>().ToArray();
        }
    }
}
