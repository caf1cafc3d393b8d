using System.CommandLine;
using LlmEmbed.Tokenization;
using LlmEmbed.Training.Pretraining;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed tokenizer train|encode</c>: train a byte-level BPE tokenizer, or inspect one.</summary>
public static class TokenizerCommand
{
    public static Command Create()
    {
        var files = new Option<string[]>("--files") { Description = "text files or patterns (dir/*.txt); documents are separated by blank lines", Required = true, AllowMultipleArgumentsPerToken = true };
        var vocab = new Option<int>("--vocab-size") { Description = "vocabulary size including bytes and special tokens", DefaultValueFactory = _ => 8192 };
        var output = new Option<string>("--output") { Description = "folder for tokenizer.json and tokenizer_config.json", Required = true };
        var minFrequency = new Option<int>("--min-frequency") { Description = "stop merging when the best pair is rarer than this", DefaultValueFactory = _ => 2 };
        var heldOut = new Option<double>("--validation-fraction") { Description = "leave out the documents pretraining holds out for validation (same hash split)", DefaultValueFactory = _ => 0.005 };
        var train = new Command("train", "Train a byte-level BPE tokenizer and write a standard Hugging Face tokenizer.json") { files, vocab, output, minFrequency, heldOut };
        train.SetAction((parse, cancel) => Task.FromResult(CliRunner.Run(() =>
        {
            var paths = new PretrainOptions { Files = [.. parse.GetValue(files)!] }.ResolveFiles();
            var trainer = new BpeTokenizerTrainer(parse.GetValue(vocab), parse.GetValue(minFrequency));
            double fraction = parse.GetValue(heldOut);
            var texts = paths.SelectMany(p => TokenCorpus.Documents(new StreamReader(p))
                .Where((_, i) => !TokenCorpus.IsValidation(Path.GetFileName(p), i, fraction)));
            var merges = trainer.Train(texts, CliRunner.Log, cancel);
            BpeTokenizerTrainer.Save(parse.GetValue(output)!, merges);
            var tok = TextTokenizer.Load(parse.GetValue(output)!);
            CliRunner.Log($"wrote {parse.GetValue(output)}: {tok.VocabSize} tokens ({merges.Count} merges)");
            return 0;
        })));

        var model = new Option<string>("--tokenizer") { Description = "model or tokenizer folder", Required = true };
        var text = new Option<string>("--text") { Description = "text to encode", Required = true };
        var encode = new Command("encode", "Print the token ids of a text") { model, text };
        encode.SetAction(parse => CliRunner.Run(() =>
        {
            var tok = TextTokenizer.Load(parse.GetValue(model)!);
            var ids = tok.Encode(parse.GetValue(text)!);
            Console.WriteLine(string.Join(",", ids));
            return 0;
        }));
        return new Command("tokenizer", "Train or inspect tokenizers") { train, encode };
    }
}
