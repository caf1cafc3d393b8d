using System.CommandLine;
using LlmEmbed.Embedding;

namespace LlmEmbed.Cli.Commands;

/// <summary>
/// <c>llm-embed embed</c>: embeds a text file with a saved embedding model; <c>--shard I/N</c> embeds one contiguous
/// shard (for array jobs) and <c>embed merge</c> joins the shards into the file an unsharded run writes.
/// </summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Embedding model folder (written by training / EmbeddingModel.Save)", Required = true };
        var input = new Option<string>("--input") { Description = "Texts: .jsonl with a \"text\" field, or a text file with one text per line", Required = true };
        var output = new Option<string>("--output") { Description = "Embeddings: .npy (float32 [n, dim]) or .jsonl ({\"index\", \"embedding\"})", Required = true };
        var instruction = new Option<string?>("--instruction") { Description = "Encode the texts as queries with this instruction" };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per forward pass", DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int?>("--max-length") { Description = "Maximum tokens per text (default: the model's)" };
        var dtype = new Option<string?>("--dtype") { Description = "Backbone dtype: auto, float32 or bfloat16 (default: the model's)" };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: cuda when available, else cpu)" };
        var maxBatchTokens = new Option<int?>("--max-batch-tokens") { Description = "At most this many (padded) tokens per forward pass" };
        var shard = new Option<string?>("--shard") { Description = "I/N: embed only the I-th (0-based) of N contiguous shards of the input; join them with `embed merge`" };
        var command = new Command("embed", "Embed texts with a saved embedding model") { MergeCommand() };
        foreach (var o in new Option[] { model, input, output, instruction, batchSize, maxBatchTokens, maxLength, dtype, device, shard }) command.Options.Add(o);
        command.SetAction(parseResult => CliRunner.Run(() =>
        {
            string outputPath = parseResult.GetValue(output)!;
            EmbeddingFiles.CheckOutputPath(outputPath);
            string inputPath = parseResult.GetValue(input)!;
            var texts = EmbeddingFiles.ReadTexts(inputPath);
            var torchDevice = CliRunner.ParseDevice(parseResult.GetValue(device));
            using var embedder = EmbeddingModel.Load(parseResult.GetValue(model)!, device: torchDevice);
            if (parseResult.GetValue(dtype) is { } dt) embedder.ToDType(LlmEmbed.Models.ComputeDevice.ParseDType(dt, torchDevice));
            if (parseResult.GetValue(maxLength) is { } ml && ml > embedder.Backbone.Config.MaxPositionEmbeddings)
                CliRunner.Log($"warning: --max-length {ml} exceeds the model's max_position_embeddings ({embedder.Backbone.Config.MaxPositionEmbeddings}); positions beyond it were never trained and embeddings of longer texts may be poor");
            var options = new EncodeOptions
            {
                BatchSize = parseResult.GetValue(batchSize),
                MaxBatchTokens = parseResult.GetValue(maxBatchTokens),
                MaxLength = parseResult.GetValue(maxLength),
                Instruction = parseResult.GetValue(instruction),
            };
            var tokenized = texts.Select(t => embedder.Tokenize(t, options.Instruction, options.MaxLength)).ToList();
            EmbeddingShard? part = null;
            if (parseResult.GetValue(shard) is { } spec)
            {
                var (index, count) = EmbeddingShard.ParseSpec(spec);
                var plan = EmbeddingShard.Plan(tokenized.Select(t => t.Ids.Count).ToList(), options.BatchSize, index, count);
                // Encoded in plan order (the unsharded run's batches), written in input order.
                tokenized = plan.Select(i => tokenized[i]).ToList();
                part = new EmbeddingShard(index, count, texts.Count, options.BatchSize, EmbeddingShard.HashInput(inputPath), embedder.Dimension, plan);
                CliRunner.Log($"shard {index}/{count}: {plan.Length} of {texts.Count} texts");
            }
            var embeddings = CliRunner.WithProgress(view => embedder.Encode(tokenized, options, view.Encoding("embedded")));
            IReadOnlyList<int>? rowIndices = null;
            if (part != null)
            {
                var plan = part.Indices;
                var byPosition = Enumerable.Range(0, plan.Count).OrderBy(k => plan[k]).ToArray();
                embeddings = byPosition.Select(k => embeddings[k]).ToArray();
                rowIndices = byPosition.Select(k => plan[k]).ToArray();
                part = part with { Indices = rowIndices };
            }
            EmbeddingFiles.WriteEmbeddings(outputPath, embeddings, embedder.Dimension, rowIndices);
            part?.WriteSidecar(outputPath); // after the data: a shard without its sidecar is never merged
            CliRunner.Log($"wrote {embeddings.Length} embeddings of dimension {embedder.Dimension} to {outputPath}");
            return 0;
        }));
        return command;
    }

    private static Command MergeCommand()
    {
        var shards = new Argument<string[]>("shards") { Description = "the shard files written by `embed --shard I/N` (any order)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output") { Description = "the merged .npy or .jsonl", Required = true };
        var command = new Command("merge", "Concatenate `embed --shard` outputs in shard order, checking that none is missing or duplicated") { shards, output };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            int rows = EmbeddingShards.Merge(parse.GetValue(shards)!, parse.GetValue(output)!);
            CliRunner.Log($"wrote {rows} embeddings to {parse.GetValue(output)}");
            return 0;
        }));
        return command;
    }
}
