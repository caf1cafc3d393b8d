using System.CommandLine;
using LlmEmbed.Models;
using LlmEmbed.Tokenization;
using static TorchSharp.torch;

namespace LlmEmbed.Cli.Commands;

/// <summary>
/// <c>llm-embed forward --model DIR (--text "..." | --ids 1,2,3) [--attention causal|bidirectional] [--dtype float32|bfloat16]
/// --output FILE.safetensors</c>: writes input_ids, hidden.0 … hidden.L and logits (see <see cref="ForwardDump"/>).
/// </summary>
public static class ForwardCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder (default: the project's base model, models/llm-embed-base)", DefaultValueFactory = _ => DefaultModel.Path };
        var text = new Option<string?>("--text") { Description = "text to encode with the folder's tokenizer (BOS/EOS per tokenizer_config.json)" };
        var ids = new Option<string?>("--ids") { Description = "comma-separated token ids instead of --text, e.g. 1,403,407" };
        var attention = new Option<string>("--attention") { Description = "causal or bidirectional", DefaultValueFactory = _ => "causal" };
        attention.AcceptOnlyFromAmong("causal", "bidirectional");
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        dtype.AcceptOnlyFromAmong("float32", "bfloat16");
        var output = new Option<string>("--output") { Description = "safetensors file to write", Required = true };
        var command = new Command("forward", "Run one forward pass and write input ids, every hidden state and the logits to a safetensors file")
        {
            model, text, ids, attention, dtype, output,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string dir = parse.GetValue(model)!;
            string? t = parse.GetValue(text), i = parse.GetValue(ids);
            if ((t is null) == (i is null)) throw new ArgumentException("give exactly one of --text and --ids");
            IReadOnlyList<int> tokens = t is not null ? TextTokenizer.Load(dir).Encode(t) : ParseIds(i!);
            var type = parse.GetValue(dtype) == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;
            var mode = parse.GetValue(attention) == "bidirectional" ? AttentionMode.Bidirectional : AttentionMode.Causal;
            using var m = DecoderModel.Load(dir, type);
            string path = parse.GetValue(output)!;
            ForwardDump.Write(m, tokens, mode, path);
            CliRunner.Log($"wrote {path}: {tokens.Count} tokens, {m.NumLayers + 1} hidden states, logits [{tokens.Count}, {m.Config.VocabSize}]");
            return 0;
        }));
        return command;
    }

    /// <summary>Parses "1,2,3" (spaces allowed); a bad entry is reported with its position.</summary>
    public static IReadOnlyList<int> ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var result = new List<int>(parts.Length);
        for (int k = 0; k < parts.Length; k++)
        {
            if (!int.TryParse(parts[k], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int id) || id < 0)
                throw new FormatException($"--ids: entry {k + 1} '{parts[k]}' is not a non-negative integer");
            result.Add(id);
        }
        return result;
    }
}
