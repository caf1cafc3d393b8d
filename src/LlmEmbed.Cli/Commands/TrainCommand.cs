using System.CommandLine;
using LlmEmbed.Training;
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
        command.SetAction(parseResult =>
        {
            try
            {
                var options = ContrastiveTrainingOptions.Load(parseResult.GetValue(config)!, parseResult.GetValue(set) ?? []);
                EmbeddingModelEncoder? encoder = null;
                var trainer = new ContrastiveTrainer(options, o => encoder = EmbeddingModelEncoder.Create(o), message => Console.Error.WriteLine(message));
                using var cancel = new CancellationTokenSource();
                Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
                var result = trainer.Run(parseResult.GetValue(resume), new ConsoleProgress(), cancel.Token);
                // The run folder's model/ becomes a complete embedding model (config, PEFT adapter, pooler) for embed/evaluate.
                encoder!.Model.Save(trainer.ModelDir);
                Console.WriteLine($"done: {result.Steps} steps, final loss {result.FinalLoss:F4}; embedding model in {trainer.ModelDir}");
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("interrupted; the newest checkpoint is kept — rerun with --resume to continue");
                return 130;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidOperationException or NonFiniteLossException or NotSupportedException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Writes a progress line synchronously (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class ConsoleProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) =>
            Console.Error.WriteLine($"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  lr {p.LearningRate:E2}  {p.TokensPerSecond:F1} rows/s  elapsed {p.Elapsed:hh\\:mm\\:ss}" +
                (p.Remaining is { } r ? $"  remaining {r:hh\\:mm\\:ss}" : "") + (p.Message is { } m ? $"  {m}" : ""));
    }
}
