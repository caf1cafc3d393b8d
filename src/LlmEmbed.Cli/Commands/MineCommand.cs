using LlmEmbed.Embedding;
using System.CommandLine;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Cli.Commands;

/// <summary>
/// <c>llm-embed mine --model DIR --input pairs.jsonl --output triplets.jsonl [--rank-range 10:50] [--corpus FILE]</c>:
/// fills each row's negative with a hard negative from the model's own search (rank window, never the positive).
/// </summary>
public static class MineCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "embedding model folder (llm-embed train output/model, or any saved embedding model)", Required = true };
        var instructionOption = new Option<string?>("--instruction") { Description = "instruction for the queries (documents get none)" };
        var onBadRow = new Option<BadRowPolicy>("--on-bad-row") { Description = "skip or fail on malformed input rows", DefaultValueFactory = _ => BadRowPolicy.Skip };
        var seed = new Option<long>("--seed") { Description = "seed of the choice inside the rank window", DefaultValueFactory = _ => 42 };
        var input = new Option<string>("--input") { Description = "training JSONL rows to mine negatives for", Required = true };
        var output = new Option<string>("--output") { Description = "where to write the rows with mined negatives (JSONL)", Required = true };
        var ranks = new Option<string>("--rank-range") { Description = "1-based rank window FROM:TO to draw the negative from", DefaultValueFactory = _ => "10:50" };
        var corpus = new Option<string?>("--corpus") { Description = "JSONL of candidate texts (field 'text', or training rows: their positives and negatives); default: the input's positives and negatives" };
        var pickFirst = new Option<bool>("--pick-first") { Description = "take the best-ranked eligible candidate instead of a seeded random one in the window" };
        var batch = new Option<int>("--batch-size") { Description = "texts embedded at once", DefaultValueFactory = _ => 32 };
        var command = new Command("mine", "mine hard negatives with an embedding model's own search");
        foreach (var o in new Option[] { model, input, output, ranks, corpus, instructionOption, onBadRow, seed, pickFirst, batch }) command.Options.Add(o);
        command.SetAction(parseResult => CliRunner.Run(() =>
        {
            var range = RankRange.Parse(parseResult.GetValue(ranks)!);
            var summary = new DataValidationSummary();
            var rows = ContrastiveDataReader.Read(parseResult.GetValue(input)!, parseResult.GetValue(onBadRow), summary);
            if (summary.RowsSkipped > 0) CliRunner.Log($"input: {summary}");
            IReadOnlyList<string> texts = parseResult.GetValue(corpus) is { } corpusPath ? ReadCorpus(corpusPath) : HardNegativeMiner.CorpusOf(rows);
            string? instruction = parseResult.GetValue(instructionOption);
            long seedValue = parseResult.GetValue(seed);
            TorchSharp.torch.manual_seed(seedValue);
            using var embedder = EmbeddingModel.Load(parseResult.GetValue(model)!);
            var encode = new EncodeOptions { BatchSize = parseResult.GetValue(batch) };
            // The library's one encode path: queries with their instruction, documents without.
            float[][] Embed(IReadOnlyList<string> texts, TextRole role) =>
                embedder.Encode(texts.Select(t => new EmbeddingInput(t, instruction, role)).ToList(), encode);
            var miner = new HardNegativeMiner(t => Embed(t, TextRole.Query), t => Embed(t, TextRole.Document), range, seedValue, parseResult.GetValue(pickFirst));
            var result = miner.Mine(rows, texts, CliRunner.LogProgress());
            ContrastiveDataWriter.Write(parseResult.GetValue(output)!, result.Rows);
            Console.WriteLine($"mined {result.Mined} negatives; {result.NoCandidate} rows had no eligible candidate at ranks {range} (kept as they were)");
            return 0;
        }));
        return command;
    }

    /// <summary>Candidate texts: each line's <c>text</c> field, or a training row's positive and negative.</summary>
    private static List<string> ReadCorpus(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--corpus: '{path}' does not exist", path);
        var texts = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            System.Text.Json.JsonDocument doc;
            try { doc = System.Text.Json.JsonDocument.Parse(text); }
            catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}:{line}: invalid JSON ({e.Message})", e); }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != System.Text.Json.JsonValueKind.Object) throw new InvalidDataException($"{path}:{line}: not a JSON object");
                bool any = false;
                foreach (var field in new[] { "text", "positive", "negative" })
                {
                    if (root.TryGetProperty(field, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String && v.GetString() is { Length: > 0 } s)
                    {
                        any = true;
                        if (seen.Add(s)) texts.Add(s);
                    }
                }
                if (!any) throw new InvalidDataException($"{path}:{line}: no string field 'text', 'positive' or 'negative'");
            }
        }
        return texts;
    }
}
