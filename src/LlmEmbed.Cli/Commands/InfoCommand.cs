using System.CommandLine;
using LlmEmbed.Models;

namespace LlmEmbed.Cli.Commands;

/// <summary><c>llm-embed info --model DIR</c>: architecture, sizes, parameters, dtype and tokenizer of a model folder.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder (config.json + safetensors) (default: the project's base model, models/llm-embed-base)", DefaultValueFactory = _ => DefaultModel.Path };
        var command = new Command("info", "Describe a model folder: architecture, layers, hidden size, heads, vocabulary, parameters, dtype, tokenizer") { model };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string dir = parse.GetValue(model)!;
            var info = ModelFolderInfo.Read(dir);
            foreach (var (name, value) in info.Lines()) Console.WriteLine($"{name,-18} {value}");
            // What `dtype: auto` resolves to on this machine, and why (measured once per machine, see CpuDTypeProbe).
            Console.WriteLine($"{"cpu dtype",-18} {CpuDTypeProbe.Current}");
            if (info.Mismatch is { } problem) throw new InvalidDataException($"{dir}: {problem}");
            return 0;
        }));
        return command;
    }
}
