using System.CommandLine;
using LlmEmbed.Training.Pretraining;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed pretrain --config FILE.yaml [--resume]</c>: causal-LM / MNTP pretraining.</summary>
public static class PretrainCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "pretraining YAML (docs/pretraining.md lists every option)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "continue from the newest checkpoint in the output folder" };
        var output = new Option<string?>("--output") { Description = "override the config's output folder" };
        var maxSteps = new Option<int?>("--max-steps") { Description = "override max_steps" };
        var command = new Command("pretrain", "Pretrain (or continue pretraining) a Llama-architecture decoder on plain text") { config, resume, output, maxSteps };
        command.SetAction((parse, cancel) => Task.FromResult(CliRunner.Run(() =>
        {
            var options = WithWorkspaceDefaults(PretrainOptions.Load(parse.GetValue(config)!.FullName));
            if (parse.GetValue(output) is { } o) options.Output = o;
            if (parse.GetValue(maxSteps) is { } m) options.MaxSteps = m;
            var trainer = new Pretrainer(options, CliRunner.Log);
            var result = CliRunner.WithProgress(view => trainer.Run(parse.GetValue(resume), view.Training("tok/s"), cancel));
            CliRunner.Log($"done: {result.Steps} steps, {result.TokensSeen:N0} tokens, validation loss {result.ValidationLoss:F4} (perplexity {result.ValidationPerplexity:F2}, {result.ValidationBitsPerByte:F4} bits/byte); model in {result.ModelDir}");
            return 0;
        })));
        return command;
    }

    /// <summary>The workspace's defaults (../shared) for a config that names no tokenizer or files: the CLI's choice, not the library's.</summary>
    public static PretrainOptions WithWorkspaceDefaults(PretrainOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Tokenizer)) options.Tokenizer = "../shared/models/tokenizers/llama2";
        if (options.Files.Count == 0) options.Files = ["../shared/data/pretrain/*.txt"];
        return options;
    }
}
