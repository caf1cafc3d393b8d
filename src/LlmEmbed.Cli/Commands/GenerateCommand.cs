using System.CommandLine;
using LlmEmbed.Models;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed generate --model DIR --prompt TEXT [--max-tokens N] [--temperature T] [--top-k K] [--seed S]</c>.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder with a tokenizer (default: the project's base model, models/llm-embed-base)", DefaultValueFactory = _ => DefaultModel.Path };
        var prompt = new Option<string>("--prompt") { Description = "prompt text (BOS is prepended only where tokenizer_config.json asks for it, or to start an empty prompt)", DefaultValueFactory = _ => "" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "number of new tokens", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy (argmax)", DefaultValueFactory = _ => 0.0 };
        var topK = new Option<int>("--top-k") { Description = "sample only from the K most likely tokens (0 = all)", DefaultValueFactory = _ => 0 };
        var seed = new Option<long>("--seed") { Description = "sampling seed", DefaultValueFactory = _ => 42 };
        var command = new Command("generate", "Continue a prompt with a causal decoder (greedy at temperature 0), stopping at EOS")
        {
            model, prompt, maxTokens, temperature, topK, seed,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string dir = parse.GetValue(model)!;
            int n = parse.GetValue(maxTokens);
            if (n < 1) throw new ArgumentException($"--max-tokens must be at least 1, got {n}");
            if (parse.GetValue(topK) < 0) throw new ArgumentException($"--top-k must be >= 0, got {parse.GetValue(topK)}");
            var tokenizer = TextTokenizer.Load(dir);
            using var m = DecoderModel.Load(dir);
            var ids = tokenizer.Encode(parse.GetValue(prompt)!, addBos: tokenizer.AddBos, addEos: false);
            if (ids.Count == 0)
            {
                // An empty prompt still needs one token to condition on; BOS is the natural start.
                if (tokenizer.BosId is not { } bos) throw new ArgumentException("the prompt is empty and the tokenizer has no BOS token to start from");
                ids = [bos];
            }
            var generated = TextGenerator.Generate(m, ids, new GenerationOptions
            {
                MaxNewTokens = n,
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                Seed = parse.GetValue(seed),
                StopTokenId = tokenizer.EosId,
            });
            // Prompt and continuation as text only: no BOS/EOS or other special-token markup.
            Console.WriteLine(tokenizer.DecodeText([.. ids, .. generated]));
            return 0;
        }));
        return command;
    }
}
