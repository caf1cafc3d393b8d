using System.Diagnostics;
using System.Text.RegularExpressions;
using LlmEmbed.Embedding;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using Xunit.Abstractions;

namespace LlmEmbed.Tests.Display;

/// <summary>
/// Where a person watches, progress is live Spectre.Console bars; where nobody does, plain lines. The real CLI runs
/// <c>train</c> and <c>embed</c> twice: under a pseudo-terminal (util-linux <c>script</c>, so standard error is a
/// terminal) the output holds Spectre's live rendering — cursor moves, the bar glyph, the task names with their
/// final counts; with standard error redirected to a pipe it holds timestamped lines and not one escape character.
/// </summary>
public class ProgressDisplayTests(ITestOutputHelper output)
{
    private static string Cli => Path.Combine(AppContext.BaseDirectory, "llm-embed.dll");

    private const char Escape = '\u001b';

    /// <summary>A tiny embedding model, 103 real sentences and a ten-step training config in a fresh folder.</summary>
    private sealed class Workspace : IDisposable
    {
        private readonly TempDir dir = TestPaths.NewTempDir();
        public string Path => dir.Path;
        public string Model { get; }
        public string Texts { get; }

        public Workspace()
        {
            string baseModel = TinyBaseModel.Create(dir.File("base"));
            Model = dir.File("model");
            var config = EmbeddingPresets.Get("mean-bidirectional", baseModel) with { MaxLength = 32 };
            using (var model = EmbeddingModel.FromBaseModel(config with { Lora = config.Lora with { Enabled = false } }))
                model.Save(Model);
            Texts = dir.File("texts.txt");
            File.WriteAllLines(Texts, File.ReadLines(TestPaths.Data("training", "stsb_train_pos.jsonl")).Take(103)
                .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("query").GetString()!));
            File.WriteAllText(TrainConfig, $$"""
                output: {{dir.File("run")}}
                files:
                  - path: {{TestPaths.Data("training", "snli_triplets.jsonl")}}
                batch_size: 4
                max_steps: 10
                warmup_steps: 2
                learning_rate: 1.0e-3
                checkpoint_every: 5
                log_every: 1
                seed: 11
                model:
                  base_model: {{baseModel}}
                  preset: mean-bidirectional
                  max_length: 24
                  dtype: float32
                """);
        }

        public string TrainConfig => dir.File("train.yaml");

        public string[] EmbedArguments(string outputName) =>
            ["embed", "--model", Model, "--input", Texts, "--output", dir.File(outputName), "--batch-size", "4", "--device", "cpu"];

        public string[] TrainArguments => ["train", "--config", TrainConfig];

        public void Dispose() => dir.Dispose();
    }

    [Fact]
    public void UnderATerminalTrainingAndEmbeddingDrawLiveSpectreBars()
    {
        Assert.True(File.Exists("/usr/bin/script"), "util-linux `script` (/usr/bin/script) is needed to give the CLI a pseudo-terminal");
        using var ws = new Workspace();

        // Enough batches that the embedding outlasts several of Spectre's 100 ms refreshes even on an idle machine
        // (103 texts at batch 4 finished before the first redraw there): the texts 30 times over, 773 batches.
        string many = Path.Combine(ws.Path, "many.txt");
        File.WriteAllLines(many, Enumerable.Repeat(File.ReadAllLines(ws.Texts), 30).SelectMany(t => t));
        var arguments = ws.EmbedArguments("live.npy");
        arguments[Array.IndexOf(arguments, ws.Texts)] = many;
        string embed = UnderPseudoTerminal(ws.Path, arguments);
        AssertLiveRendering(embed, "embedded 3090/3090");
        Assert.Equal(3090, NpyReader.ReadFloat32(Path.Combine(ws.Path, "live.npy")).Length);

        string train = UnderPseudoTerminal(ws.Path, ws.TrainArguments);
        AssertLiveRendering(train, "training: step 10/10");
        Assert.Contains("done: 10 steps", train);
    }

    [Fact]
    public void RedirectedStandardErrorGetsPlainLinesWithoutEscapes()
    {
        using var ws = new Workspace();

        var (exit, stdout, stderr) = Redirected(ws.Path, ws.EmbedArguments("plain.npy"));
        Assert.True(exit == 0, $"embed exited {exit}\n{stdout}\n{stderr}");
        AssertPlain(stderr);
        // One line per tenth of the input (26 batches of 4): the first batch, each new tenth, and the end.
        var counts = Regex.Matches(stderr, @"^\d\d:\d\d:\d\d embedded (\d+)/103$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(103, counts[^1]);
        Assert.InRange(counts.Count, 10, 11);
        Assert.Equal(counts.Order(), counts);

        (exit, stdout, stderr) = Redirected(ws.Path, ws.TrainArguments);
        Assert.True(exit == 0, $"train exited {exit}\n{stdout}\n{stderr}");
        AssertPlain(stderr + stdout);
        for (int step = 1; step <= 10; step++)
            Assert.Matches(new Regex($@"^\d\d:\d\d:\d\d step {step}/10 \([\d.]+%\) loss \d+\.\d{{4}} lr ", RegexOptions.Multiline), stderr);
    }

    /// <summary>Spectre's live display: hidden cursor, cursor-up redraws, the bar glyph, and the task's final state.</summary>
    private void AssertLiveRendering(string terminal, string finalTask)
    {
        Assert.Contains($"{Escape}[?25l", terminal);                        // cursor hidden while the bars are live
        Assert.Matches(new Regex(@"\u001b\[\d*A"), terminal);                   // cursor up: a redraw in place
        Assert.Contains("━", terminal);                                         // the progress bar glyph
        Assert.Matches(new Regex(@"100\s*%"), terminal);
        Assert.Contains(finalTask, terminal);
        int redraws = Regex.Matches(terminal, @"\u001b\[\d*A").Count;
        output.WriteLine($"{finalTask}: {terminal.Length} bytes, {redraws} cursor-up redraws; the last frame (ESC shown as ^[):");
        output.WriteLine(terminal[Math.Max(0, terminal.Length - 900)..].Replace(Escape.ToString(), "^["));
    }

    private static void AssertPlain(string text)
    {
        int at = text.IndexOf(Escape);
        Assert.True(at < 0, $"an escape character in redirected output: …{text[Math.Max(0, at - 40)..Math.Min(text.Length, at + 40)]}…");
        Assert.DoesNotContain("━", text);
    }

    /// <summary>
    /// Runs the CLI under <c>script</c>: its standard output and error are a pseudo-terminal 120 columns wide, as in a
    /// person's terminal (TERM set, no CI variable); what the terminal received comes back.
    /// </summary>
    private static string UnderPseudoTerminal(string workingDirectory, string[] arguments)
    {
        string command = "stty cols 120 rows 40 2>/dev/null; exec dotnet " + string.Join(' ', new[] { Cli }.Concat(arguments).Select(Quote));
        var psi = Start("/usr/bin/script", workingDirectory, ["-qfec", command, "/dev/null"]);
        psi.Environment["TERM"] = "xterm-256color";
        psi.Environment["LANG"] = "C.UTF-8";
        var (exit, stdout, stderr) = Wait(psi);
        Assert.True(exit == 0, $"llm-embed {string.Join(' ', arguments)} under script exited {exit}\n{stdout}\n{stderr}");
        return stdout;
    }

    private static (int Exit, string Stdout, string Stderr) Redirected(string workingDirectory, string[] arguments)
    {
        var psi = Start("dotnet", workingDirectory, [Cli, .. arguments]);
        psi.Environment["TERM"] = "xterm-256color"; // a terminal type alone must not bring escapes into a pipe
        return Wait(psi);
    }

    private static ProcessStartInfo Start(string executable, string workingDirectory, string[] arguments)
    {
        Assert.True(File.Exists(Cli), $"CLI not found at {Cli}");
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment.Remove("CI"); // the CLI treats CI as "nobody watches"
        psi.Environment.Remove("NO_COLOR");
        return psi;
    }

    private static (int Exit, string Stdout, string Stderr) Wait(ProcessStartInfo psi)
    {
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not finish in 4 minutes");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''") + "'";
}
