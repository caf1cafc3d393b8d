using System.CommandLine;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed train --config FILE.yaml [--resume] [--set key=value ...]</c>: contrastive fine-tuning (docs/training.md).</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "training YAML (docs/training.md lists every option)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "continue from the newest checkpoint in the output folder" };
        var set = new Option<string[]>("--set")
        {
            Description = "override an option, e.g. --set learning_rate=2e-5 --set files.0.weight=2 (repeatable)",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("train", "contrastive training of an embedding model (InfoNCE, in-batch + hard negatives, GradCache)");
        command.Options.Add(config);
        command.Options.Add(resume);
        command.Options.Add(set);
        command.SetAction(parseResult => CliRunner.RunCancellable(cancel =>
        {
            var options = ContrastiveTrainingOptions.Load(parseResult.GetValue(config)!, parseResult.GetValue(set) ?? []);
            var trainer = new ContrastiveTrainer(options, EmbeddingModelEncoder.Create, CliRunner.Log);
            var result = CliRunner.WithProgress(view => trainer.Run(parseResult.GetValue(resume), view.Training("rows/s"), cancel));
            Console.WriteLine($"done: {result.Steps} steps, final loss {result.FinalLoss:F4}; embedding model in {result.ModelDir}");
            return 0;
        }, cancelledMessage: "interrupted; the newest checkpoint is kept — rerun with --resume to continue"));
        return command;
    }
}
