using System.Diagnostics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.ScaleOut;

/// <summary>
/// A real single-node Slurm cluster: the one already answering <c>sinfo</c> (as <c>.ci/run</c> starts it), else one
/// started here with <c>.ci/slurm start</c> (munge + slurmctld + slurmd; installs them with apt-get when missing) and
/// stopped again at the end. When Slurm cannot start, <see cref="Require"/> fails the test with the reason — it never
/// passes silently.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    private readonly bool startedHere;
    private readonly string? failure;

    public SlurmCluster()
    {
        string conf = Run("bash", [Script, "conf"]).Stdout.Trim();
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is null && File.Exists(conf)) Environment.SetEnvironmentVariable("SLURM_CONF", conf);
        if (NodeAnswers()) return;
        var (exit, stdout, stderr) = Run("bash", [Script, "start"], TimeSpan.FromMinutes(10));
        if (exit != 0)
        {
            failure = $".ci/slurm start failed (exit {exit}): {stdout}\n{stderr}";
            return;
        }
        startedHere = true;
        Environment.SetEnvironmentVariable("SLURM_CONF", conf);
        if (!NodeAnswers()) failure = $"Slurm started but sinfo shows no usable node: {Run("sinfo", []).Stdout}";
    }

    private static string Script => Path.Combine(TestPaths.RepoRoot, ".ci", "slurm");

    /// <summary>Fails the calling test when no cluster is available.</summary>
    public void Require()
    {
        if (failure != null) Assert.Fail("a real Slurm cluster is needed and could not be started: " + failure);
    }

    private static bool NodeAnswers()
    {
        var (exit, stdout, _) = Run("sinfo", ["-h", "-N", "-o", "%T"]);
        return exit == 0 && stdout.Split('\n').Any(s => s.StartsWith("idle", StringComparison.Ordinal) || s.StartsWith("mixed", StringComparison.Ordinal) || s.StartsWith("alloc", StringComparison.Ordinal));
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string program, string[] arguments, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { return (127, "", $"{program}: {e.Message}"); }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(1)))
            {
                p.Kill(entireProcessTree: true);
                return (124, stdout.Result, stderr.Result + $"\n{program} timed out");
            }
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
    }

    public void Dispose()
    {
        if (startedHere) Run("bash", [Script, "stop"]);
    }
}
