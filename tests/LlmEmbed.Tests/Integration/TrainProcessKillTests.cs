using System.Diagnostics;
using LlmEmbed.Tests.Support;
using LlmEmbed.Training;

namespace LlmEmbed.Tests.Integration;

/// <summary>
/// Kills a real `llm-embed train` process mid-run (SIGKILL, no chance to clean up), resumes it with --resume, and
/// checks that the final weights are bit-identical to an uninterrupted run with the same seed.
/// </summary>
public class TrainProcessKillTests
{
    private static string Cli => Path.Combine(AppContext.BaseDirectory, "llm-embed.dll");

    private static string Config(string baseModel, string output) => $$"""
        output: {{output}}
        files:
          - path: {{TestPaths.Data("training", "snli_triplets.jsonl")}}
        batch_size: 4
        max_steps: 10
        warmup_steps: 2
        learning_rate: 1.0e-3
        checkpoint_every: 2
        keep_checkpoints: 2
        log_every: 1
        seed: 11
        model:
          base_model: {{baseModel}}
          preset: latent-causal
          max_length: 24
          dtype: float32
        """;

    private static Process Start(string configPath, bool resume)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Cli, "train", "--config", configPath }) psi.ArgumentList.Add(a);
        if (resume) psi.ArgumentList.Add("--resume");
        psi.Environment["OMP_NUM_THREADS"] = "1";
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static void RunToEnd(string configPath, bool resume)
    {
        using var p = Start(configPath, resume);
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(4)), "training did not finish");
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void KilledAndResumedRunEndsWithTheSameWeights()
    {
        Assert.True(File.Exists(Cli), $"CLI not found at {Cli}");
        using var tmp = TestPaths.NewTempDir();
        string baseModel = TinyBaseModel.Create(tmp.File("base"));
        string a = tmp.File("a.yaml"), b = tmp.File("b.yaml");
        File.WriteAllText(a, Config(baseModel, tmp.File("run-a")));
        File.WriteAllText(b, Config(baseModel, tmp.File("run-b")));
        RunToEnd(a, resume: false);

        using (var p = Start(b, resume: false))
        {
            var store = new CheckpointStore(Path.Combine(tmp.File("run-b"), "checkpoints"), 2);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
            while (store.Latest is not { Step: >= 4 } && !p.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.False(p.HasExited, "the run ended before it could be killed");
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        var killedAt = new CheckpointStore(Path.Combine(tmp.File("run-b"), "checkpoints"), 2).Latest;
        Assert.NotNull(killedAt);
        Assert.InRange(killedAt.Value.Step, 4, 9);
        RunToEnd(b, resume: true);

        // The trained model the trainer saved: adapter and pooler weights byte for byte.
        foreach (var file in new[] { "adapter_model.safetensors", "pooler.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.File("run-a"), "model", file)), File.ReadAllBytes(Path.Combine(tmp.File("run-b"), "model", file)));
        Assert.True(File.Exists(Path.Combine(tmp.File("run-b"), "model", "embedding_config.json")));
    }
}
