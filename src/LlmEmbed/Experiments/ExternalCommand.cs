using System.ComponentModel;
using System.Diagnostics;

namespace LlmEmbed.Experiments;

/// <summary>Runs a scheduler command (sbatch, squeue, sacct) and captures its output.</summary>
internal static class ExternalCommand
{
    /// <returns>Exit code (127 when the program is not installed), stdout and stderr.</returns>
    public static (int ExitCode, string Stdout, string Stderr) Run(string program, IReadOnlyList<string> arguments, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi)!; }
        catch (Win32Exception e) { return (127, "", $"{program}: {e.Message} (is Slurm installed here?)"); }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutMs))
            {
                process.Kill(entireProcessTree: true);
                return (124, stdout.Result, $"{program} did not answer within {timeoutMs / 1000} s");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
