using System.CommandLine;
using LlmEmbed.Evaluation;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Evaluation.Tasks;
using Microsoft.Extensions.AI;

namespace LlmEmbed.Cli.Commands;

/// <summary>
/// <c>llm-embed evaluate --model DIR (--tasks A,B | --task-types sts,retrieval) [--data DIR] [--dimensions N] --output DIR</c>:
/// runs the MTEB-style evaluation and prints the summary table.
/// </summary>
public static class EvaluateCommand
{
    /// <summary>
    /// The single place where a model folder becomes an embedding generator (tests may pass another loader to <see cref="Create"/>).
    /// </summary>
    public static IEmbeddingGenerator<string, Embedding<float>> LoadModel(string modelFolder) => LoadModel(modelFolder, null, null);

    /// <summary>
    /// A trained embedding model folder, or — with <paramref name="preset"/> — a plain decoder folder wrapped in that
    /// untrained preset (no LoRA, freshly initialised pooler), for zero-shot baselines.
    /// </summary>
    /// <param name="maxLength">Token limit per text (default: the model's max_length), as an experiment's evaluation.max_length.</param>
    public static IEmbeddingGenerator<string, Embedding<float>> LoadModel(string modelFolder, string? preset, int? maxLength)
    {
        string id = Path.GetFileName(Path.GetFullPath(modelFolder).TrimEnd('/'));
        var options = new LlmEmbed.Embedding.EncodeOptions { MaxLength = maxLength };
        if (preset is null)
            return new LlmEmbed.Embedding.EmbeddingGenerator(LlmEmbed.Embedding.EmbeddingModel.Load(modelFolder), id, options, ownsModel: true);
        var config = LlmEmbed.Embedding.EmbeddingPresets.Get(preset, modelFolder);
        config = config with { Lora = config.Lora with { Enabled = false } };
        return new LlmEmbed.Embedding.EmbeddingGenerator(LlmEmbed.Embedding.EmbeddingModel.FromBaseModel(config), $"{id}+{preset}", options, ownsModel: true);
    }

    /// <param name="loadModel">Turns a model folder into a generator; <see cref="LoadModel"/> when null.</param>
    public static Command Create(Func<string, IEmbeddingGenerator<string, Embedding<float>>>? loadModel = null)
    {
        loadModel ??= LoadModel;
        var model = new Option<string>("--model") { Description = "Embedding model folder (or, with --preset, a base decoder folder)", Required = true };
        var preset = new Option<string?>("--preset") { Description = "evaluate --model as an untrained embedding preset (e.g. eos-causal): a zero-shot baseline" };
        var tasks = new Option<string?>("--tasks") { Description = "Comma-separated task names (e.g. STS12,SciFact)" };
        var taskTypes = new Option<string?>("--task-types") { Description = "Comma-separated task types: sts, retrieval, reranking, classification, clustering, pair_classification" };
        var data = new Option<string?>("--data") { Description = "Data root (default: $LLMEMBED_DATA or ../shared/data)" };
        var output = new Option<string>("--output") { Description = "Folder for the result files", Required = true };
        var registry = new Option<string?>("--registry") { Description = "tasks.json to use (default: the one next to the application)" };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per embedding call", DefaultValueFactory = _ => 32 };
        var cache = new Option<string?>("--cache") { Description = "Embedding cache folder (default: OUTPUT/embedding-cache; \"\" disables)" };
        var maxLength = new Option<int?>("--max-length") { Description = "Maximum tokens per text (default: the model's max_length; an experiment arm uses evaluation.max_length)" };
        var dimensions = new Option<int?>("--dimensions")
        {
            Description = "Evaluate the vectors cut to their first N components and re-normalised (any model: measures what truncation costs; the model id in the results gets @N)",
        };
        var instructions = new Option<string>("--instructions")
        {
            Description = "model (beside the text: the model formats it and pools as in training) | in-text (pasted into the text) | none",
            DefaultValueFactory = _ => "model",
        };

        var command = new Command("evaluate", "Evaluate an embedding model on MTEB-style tasks");
        foreach (Option option in new Option[] { model, preset, tasks, taskTypes, data, output, registry, batchSize, cache, maxLength, dimensions, instructions })
            command.Options.Add(option);

        command.SetAction((parseResult, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            string? names = parseResult.GetValue(tasks), types = parseResult.GetValue(taskTypes);
            if (string.IsNullOrWhiteSpace(names) && string.IsNullOrWhiteSpace(types))
                throw new ArgumentException("give --tasks and/or --task-types");
            var taskRegistry = TaskRegistry.Load(parseResult.GetValue(registry));
            var selected = taskRegistry.Select(SplitList(names), SplitList(types).Select(TaskTypeNames.Parse));
            string modelFolder = parseResult.GetValue(model)!;
            int? tokens = parseResult.GetValue(maxLength);
            if (tokens is < 2) throw new ArgumentException($"--max-length must be at least 2, got {tokens}");
            int? dims = parseResult.GetValue(dimensions);
            if (dims is < 1) throw new ArgumentException($"--dimensions must be positive, got {dims}");
            var generator = parseResult.GetValue(preset) is { } p || tokens is not null
                ? LoadModel(modelFolder, parseResult.GetValue(preset), tokens)
                : loadModel(modelFolder);
            var options = new MtebEvaluatorOptions
            {
                DataRoot = DataRoot.Resolve(parseResult.GetValue(data)),
                OutputFolder = Path.GetFullPath(parseResult.GetValue(output)!),
                CacheFolder = parseResult.GetValue(cache),
                BatchSize = parseResult.GetValue(batchSize),
                InstructionMode = ParseInstructionMode(parseResult.GetValue(instructions)!),
                Dimensions = dims,
                Progress = CliRunner.LogProgress(),
            };
            string modelId = Path.GetFileName(Path.GetFullPath(modelFolder).TrimEnd('/')) + (dims is { } d ? $"@{d}" : "");
            var results = await CliRunner.WithProgressAsync(view =>
            {
                var evaluator = new MtebEvaluator(generator, modelId, options with { TaskProgress = view.Evaluation() });
                return evaluator.EvaluateAsync(selected, cancellationToken);
            });
            Console.WriteLine(ResultsSummary.ToText(results));
            return 0;
        }));
        return command;
    }

    private static IEnumerable<string> SplitList(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static InstructionMode ParseInstructionMode(string value) => value.Trim().ToLowerInvariant() switch
    {
        "in-text" or "intext" => InstructionMode.InText,
        "model" or "separate" => InstructionMode.Separate,
        "none" => InstructionMode.None,
        _ => throw new ArgumentException($"--instructions must be model, in-text or none, got '{value}'"),
    };
}
