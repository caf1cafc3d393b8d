using System.Diagnostics;

namespace LlmEmbed.Tests.ScaleOut;

/// <summary>Runs the built <c>llm-embed</c> CLI (beside the test assembly) as a real process.</summary>
internal static class CliProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "llm-embed.dll");

    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, params string[] arguments)
    {
        Assert.True(File.Exists(Dll), $"CLI not found at {Dll}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        psi.ArgumentList.Add(Dll);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["CI"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"llm-embed {string.Join(' ', arguments)} did not finish in 5 minutes");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and asserts success, showing the command's output when it fails.</summary>
    public static string Ok(string workingDirectory, params string[] arguments)
    {
        var (exit, stdout, stderr) = Run(workingDirectory, arguments);
        Assert.True(exit == 0, $"llm-embed {string.Join(' ', arguments)} exited {exit}\n{stdout}\n{stderr}");
        return stdout;
    }
}
