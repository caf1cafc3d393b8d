using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// The built <c>llm-embed</c> CLI as a child process that a test can freeze (SIGSTOP), inspect while frozen, and kill
/// with SIGKILL — no handler runs, nothing is flushed or cleaned up, exactly as when a machine's OOM killer or a
/// scheduler ends a job. Its standard output and error are collected line by line.
/// </summary>
internal sealed class CliChild : IDisposable
{
    private const int SigKill = 9, SigStop = 19, SigCont = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private readonly Process process;
    private readonly List<string> lines = [];
    private readonly List<string> errorLines = [];

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "llm-embed.dll");

    private CliChild(string workingDirectory, IReadOnlyList<string> arguments)
    {
        Assert.True(File.Exists(Dll), $"CLI not found at {Dll}");
        Arguments = arguments;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        // One thread each: the numbers of a run must not depend on how many cores the test machine lends it.
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["CI"] = "1";
        process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (lines)
            {
                lines.Add(e.Data);
                errorLines.Add(e.Data);
            }
        };
        process.Start();
        StartedUtc = DateTime.UtcNow;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>dotnet llm-embed.dll ARGS</c> in <paramref name="workingDirectory"/>.</summary>
    public static CliChild Start(string workingDirectory, params string[] arguments) => new(workingDirectory, arguments);

    public IReadOnlyList<string> Arguments { get; }
    public int Pid => process.Id;
    public DateTime StartedUtc { get; }
    public bool HasExited => process.HasExited;
    public bool WasKilled { get; private set; }
    public int ExitCode => process.ExitCode;

    /// <summary>Everything written so far, standard output and error interleaved as they arrived.</summary>
    public string Output
    {
        get { lock (lines) return string.Join("\n", lines); }
    }

    /// <summary>Standard error so far (log lines and error messages).</summary>
    public string Errors
    {
        get { lock (lines) return string.Join("\n", errorLines); }
    }

    /// <summary>Whether a line written so far satisfies <paramref name="match"/>.</summary>
    public bool Wrote(Func<string, bool> match)
    {
        lock (lines) return lines.Any(match);
    }

    /// <summary>Waits for the process to end (a stuck run fails the test) and for its output to be read.</summary>
    public void WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            SendSignal(Pid, SigKill);
            process.WaitForExit();
            Assert.Fail($"llm-embed {string.Join(' ', Arguments)} was still running after {timeout.TotalSeconds:F0} s (stuck?); it wrote:\n{Output}");
        }
        process.WaitForExit(); // drains the redirected output
    }

    /// <summary>Waits for the end and asserts exit code 0.</summary>
    public void WaitForSuccess(TimeSpan timeout)
    {
        WaitForExit(timeout);
        Assert.True(process.ExitCode == 0, $"llm-embed {string.Join(' ', Arguments)} exited {process.ExitCode}:\n{Output}");
    }

    /// <summary>
    /// SIGKILL now (the process gets no chance to react) and waits for it to be gone. True when the signal ended it;
    /// false when it had already exited by itself.
    /// </summary>
    public bool Kill()
    {
        if (SendSignal(Pid, SigKill) != 0 && !process.HasExited)
            throw new InvalidOperationException($"kill({Pid}, SIGKILL) failed: errno {Marshal.GetLastPInvokeError()}");
        process.WaitForExit();
        // .NET reports a signal's death as 128 + the signal number.
        WasKilled = process.ExitCode == 128 + SigKill;
        return WasKilled;
    }

    /// <summary>
    /// Stops the process (SIGSTOP) and waits until every one of its threads has stopped, so that nothing it owns
    /// changes while the caller looks. False when it ended meanwhile. <see cref="Thaw"/> lets it go on.
    /// </summary>
    public bool Freeze()
    {
        if (process.HasExited || SendSignal(Pid, SigStop) != 0) return false;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) return false;
            if (AllThreadsStopped()) return true;
            Thread.Sleep(0);
        }
        throw new InvalidOperationException($"process {Pid} did not stop within 10 s of SIGSTOP");
    }

    public void Thaw() => SendSignal(Pid, SigCont);

    // /proc/PID/task/TID/stat: "tid (comm) S ..."; S is T (stopped) once a thread has taken the group stop.
    private bool AllThreadsStopped()
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{Pid}/task"))
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"), Encoding.ASCII);
                int close = stat.LastIndexOf(')');
                char state = close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
                if (state is not ('T' or 't' or 'Z' or 'X')) return false;
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // a thread ended while we looked; look again
        }
    }

    /// <summary>
    /// Polls until <paramref name="condition"/> holds while the process is frozen, and kills it in that state: the files
    /// it leaves are exactly those the condition saw. With <paramref name="freezeToLook"/> every look freezes first
    /// (catches windows of a millisecond, slows the child); otherwise only a look that sees the condition unfrozen is
    /// confirmed frozen. Returns false when the process ended (or <paramref name="timeout"/> passed) first.
    /// </summary>
    public bool KillWhen(Func<bool> condition, bool freezeToLook, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) return false;
            if (freezeToLook || condition())
            {
                if (!Freeze()) return false;
                if (condition()) return Kill();
                Thaw();
            }
            Thread.Sleep(1);
        }
        return false;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            SendSignal(Pid, SigKill);
            process.WaitForExit();
        }
        process.Dispose();
    }
}
