using System.CommandLine;
using LlmEmbed.Models;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed convert --from-llama2c FILE.bin --tokenizer FILE --output DIR</c>: llama2.c checkpoint → HF folder.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from-llama2c") { Description = "llama2.c legacy (version 0) checkpoint, e.g. stories260K.bin", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "llama2.c tokenizer.bin (or a tokenizer.model / tokenizer.json)", Required = true };
        var output = new Option<string>("--output") { Description = "folder to write config.json, model.safetensors and tokenizer files into", Required = true };
        var command = new Command("convert", "Convert a llama2.c checkpoint into a Hugging Face model folder") { from, tokenizer, output };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string dir = parse.GetValue(output)!;
            var config = Llama2cConverter.Convert(parse.GetValue(from)!, parse.GetValue(tokenizer)!, dir);
            CliRunner.Log($"wrote {dir}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, vocabulary {config.VocabSize}, {config.ParameterCount:N0} parameters");
            return 0;
        }));
        return command;
    }
}
