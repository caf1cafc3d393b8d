using System.CommandLine;
using LlmEmbed.Cli.Commands;

// Before any tensor code: MKL reads its reproducibility mode once, when it initialises.
LlmEmbed.Models.NativeEnvironment.Configure();

var verbose = new Option<bool>("--verbose") { Description = "print the stack trace of internal errors", Recursive = true };
LlmEmbed.Cli.CliRunner.Verbose = args.Contains("--verbose");
var root = new RootCommand("llm-embed: build text-embedding models from decoder-only LLMs and compare designs with statistics")
{
    InfoCommand.Create(),
    ConvertCommand.Create(),
    ForwardCommand.Create(),
    GenerateCommand.Create(),
    PretrainCommand.Create(),
    TokenizerCommand.Create(),
    EmbedCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    ExperimentCommand.Create(),
    CompareCommand.Create(),
    MineCommand.Create(),
    PerplexityCommand.Create(),
    ServeCommand.Create(),
};
root.Options.Add(verbose);
return await root.Parse(args).InvokeAsync();
