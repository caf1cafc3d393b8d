using System.Diagnostics;
using System.Text;
using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Pooling;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// Issue #15, defect 7: embedding long texts with a short max_length must not grow resident memory with the input.
/// `llm-embed embed` runs in a child process (so other tests cannot disturb its resident set) under
/// /usr/bin/time, on 8× more ~4,000-character texts the second time, in many batches; its peak RSS must stay flat.
/// </summary>
public class EncodeMemoryTests
{
    private static string Cli => Path.Combine(AppContext.BaseDirectory, "llm-embed.dll");

    private static string LongText(Random rng, string[] words)
    {
        var sb = new StringBuilder();
        while (sb.Length < 3900) sb.Append(words[rng.Next(words.Length)]).Append(' ');
        return sb.ToString().Trim();
    }

    /// <summary>Peak resident set of one `embed` run, in bytes.</summary>
    private static long PeakRss(string model, string input, string output)
    {
        Assert.True(File.Exists("/usr/bin/time"), "/usr/bin/time is needed to measure the peak resident set (apt-get install time)");
        var psi = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-f", "peak-rss-kb=%M", "dotnet", Cli, "embed", "--model", model, "--input", input, "--output", output, "--batch-size", "8", "--device", "cpu" })
            psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "embed did not finish");
        Assert.True(p.ExitCode == 0, stderr);
        string line = stderr.Split('\n').Last(l => l.StartsWith("peak-rss-kb=", StringComparison.Ordinal));
        return long.Parse(line["peak-rss-kb=".Length..].Trim()) * 1024;
    }

    [Fact]
    public void PeakResidentMemoryDoesNotGrowWithTheNumberOfLongTexts()
    {
        Assert.True(File.Exists(Cli), $"CLI not found at {Cli}");
        using var tmp = TestPaths.NewTempDir();
        string baseDir = TinyBaseModel.Create(tmp.File("base"));
        string modelDir = tmp.File("model");
        var config = new EmbeddingModelConfig { BaseModel = baseDir, Pooler = new PoolerOptions { Kind = PoolerKind.MultiLayer }, MaxLength = 64 };
        using (var model = EmbeddingModel.FromBaseModel(config)) model.Save(modelDir);

        var words = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md")).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var rng = new Random(7);
        var texts = Enumerable.Range(0, 480).Select(_ => LongText(rng, words)).ToList();
        File.WriteAllLines(tmp.File("few.txt"), texts.Take(60));
        File.WriteAllLines(tmp.File("many.txt"), texts);

        long few = PeakRss(modelDir, tmp.File("few.txt"), tmp.File("few.npy"));
        long many = PeakRss(modelDir, tmp.File("many.txt"), tmp.File("many.npy"));
        // 60 batches instead of 8, 1.9 MB of text instead of 0.2 MB: the peak may differ by noise, not by the input.
        Assert.True(many - few < 64L << 20, $"peak RSS grew from {few >> 20} MB (60 texts) to {many >> 20} MB (480 texts)");
        Assert.True(new FileInfo(tmp.File("many.npy")).Length > 7 * new FileInfo(tmp.File("few.npy")).Length, "not every text was embedded");
    }
}
