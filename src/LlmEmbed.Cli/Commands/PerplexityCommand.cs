using System.CommandLine;
using System.Text.Json;
using LlmEmbed.Evaluation.LanguageModeling;
using LlmEmbed.Models;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed perplexity --model DIR --input FILE [--fields a,b] [--unique]</c>: bits per byte of a causal LM on held-out texts.</summary>
public static class PerplexityCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder with a tokenizer (default: the project's base model)", DefaultValueFactory = _ => DefaultModel.Path };
        var input = new Option<string>("--input") { Description = "texts: .txt (one per line) or .jsonl (see --fields)", Required = true };
        var fields = new Option<string>("--fields") { Description = "JSONL: comma-separated string fields to score, each a separate text (e.g. sentence1,sentence2)", DefaultValueFactory = _ => "text" };
        var unique = new Option<bool>("--unique") { Description = "score each distinct text once (STS pairs repeat sentences)" };
        var maxLength = new Option<int>("--max-length") { Description = "longest sequence in tokens, separator EOS included (longer texts are an error)", DefaultValueFactory = _ => 1024 };
        var batchSize = new Option<int>("--batch-size") { Description = "texts per forward pass", DefaultValueFactory = _ => 32 };
        var firstTokenGiven = new Option<bool>("--first-token-given") { Description = "do not predict each text's first token (no leading EOS): a more lenient convention, reported by some tools" };
        var command = new Command("perplexity", "Bits per byte, nats per token and perplexity of a causal LM on texts (each text a document after an EOS, closed by EOS)")
        {
            model, input, fields, unique, maxLength, batchSize, firstTokenGiven,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string path = parse.GetValue(input)!;
            var texts = ReadTexts(path, parse.GetValue(fields)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            if (parse.GetValue(unique)) texts = texts.Distinct(StringComparer.Ordinal).ToList();
            string dir = parse.GetValue(model)!;
            var tokenizer = TextTokenizer.Load(dir);
            using var m = DecoderModel.Load(dir);
            var score = LanguageModelScorer.Score(m, tokenizer, texts, parse.GetValue(maxLength), parse.GetValue(batchSize), predictFirstToken: !parse.GetValue(firstTokenGiven));
            Console.WriteLine($"texts {score.Texts}, bytes {score.Bytes}, predicted tokens {score.PredictedTokens}");
            Console.WriteLine($"nats/token {score.NatsPerToken:F4}, perplexity {score.Perplexity:F2}, bits/byte {score.BitsPerByte:F4}");
            return 0;
        }));
        return command;
    }

    private static List<string> ReadTexts(string path, string[] fields)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file");
        var texts = new List<string>();
        bool jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!jsonl) { texts.Add(line); continue; }
            JsonDocument row;
            try { row = JsonDocument.Parse(line); }
            catch (JsonException e) { throw new FormatException($"{path}:{lineNumber}: not valid JSON ({e.Message})"); }
            using (row)
            {
                foreach (string field in fields)
                {
                    if (!row.RootElement.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String)
                        throw new FormatException($"{path}:{lineNumber}: field '{field}' is missing or not a string");
                    texts.Add(value.GetString()!);
                }
            }
        }
        if (texts.Count == 0) throw new FormatException($"{path}: no texts");
        return texts;
    }
}
