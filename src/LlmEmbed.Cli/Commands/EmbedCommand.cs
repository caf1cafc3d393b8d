using System.CommandLine;
using LlmEmbed.Embedding;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed embed</c>: embeds a text file with a saved embedding model.</summary>
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
        var dtype = new Option<string?>("--dtype") { Description = "Backbone dtype: float32 or bfloat16 (default: the model's)" };
        var device = new Option<string?>("--device") { Description = "cpu or cuda (default: cuda when available)" };
        var command = new Command("embed", "Embed texts with a saved embedding model");
        foreach (var o in new Option[] { model, input, output, instruction, batchSize, maxLength, dtype, device }) command.Options.Add(o);
        command.SetAction(parseResult => CliRunner.Run(() =>
        {
            string outputPath = parseResult.GetValue(output)!;
            EmbeddingFiles.CheckOutputPath(outputPath);
            var texts = EmbeddingFiles.ReadTexts(parseResult.GetValue(input)!);
            var torchDevice = CliRunner.ParseDevice(parseResult.GetValue(device));
            using var embedder = EmbeddingModel.Load(parseResult.GetValue(model)!, device: torchDevice);
            if (parseResult.GetValue(dtype) is { } dt) embedder.ToDType(EmbeddingModelConfig.ParseDType(dt));
            if (parseResult.GetValue(maxLength) is { } ml && ml > embedder.Backbone.Config.MaxPositionEmbeddings)
                CliRunner.Log($"warning: --max-length {ml} exceeds the model's max_position_embeddings ({embedder.Backbone.Config.MaxPositionEmbeddings}); positions beyond it were never trained and embeddings of longer texts may be poor");
            var options = new EncodeOptions
            {
                BatchSize = parseResult.GetValue(batchSize),
                MaxLength = parseResult.GetValue(maxLength),
                Instruction = parseResult.GetValue(instruction),
            };
            int lastPercent = -1;
            var progress = CliRunner.Progress<EncodeProgress>(p =>
            {
                int percent = p.Total == 0 ? 100 : 100 * p.Done / p.Total;
                if (percent / 10 == lastPercent / 10) return;
                lastPercent = percent;
                CliRunner.Log($"embedded {p.Done}/{p.Total}");
            });
            var embeddings = embedder.Encode(texts, options, progress);
            EmbeddingFiles.WriteEmbeddings(outputPath, embeddings, embedder.Dimension);
            CliRunner.Log($"wrote {embeddings.Length} embeddings of dimension {embedder.Dimension} to {outputPath}");
            return 0;
        }));
        return command;
    }
}
