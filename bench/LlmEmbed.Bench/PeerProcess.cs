using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmEmbed.Bench;

/// <summary>
/// The PyTorch-eager peer (bench/peer/torch_peer.py under Debian's python3-torch) as a child process that sets up
/// cases and times one run of a case per request, so the bench can interleave its own runs with the peer's.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process process;

    private PeerProcess(Process process, string description)
    {
        this.process = process;
        Description = description;
    }

    /// <summary>"torch 1.13.x, 1 thread, openblas" — what the peer reported at start-up.</summary>
    public string Description { get; }

    /// <summary>Starts the peer, or returns null with the reason (no python3, no torch) for the table's notes.</summary>
    public static PeerProcess? TryStart(BenchSettings s, int threads, out string? whyNot)
    {
        string script = s.Repo("bench", "peer", "torch_peer.py");
        // Debian's python3-torch lives in /usr/bin/python3's dist-packages (a pyenv python3 earlier on PATH lacks it).
        string python = Environment.GetEnvironmentVariable("LLMEMBED_PEER_PYTHON") is { Length: > 0 } p ? p
            : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--threads");
        start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        // Same OpenMP policy as ours: a descheduled spinning worker stalls every op on a shared machine.
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            whyNot = $"python3 could not be started ({e.Message}); install it with `apt-get install python3-torch libopenblas0-pthread`";
            return null;
        }
        if (process is null)
        {
            whyNot = "python3 could not be started";
            return null;
        }
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"[peer] {e.Data}"); };
        process.BeginErrorReadLine();
        string? hello = process.StandardOutput.ReadLine();
        if (hello is null)
        {
            process.WaitForExit();
            whyNot = $"the peer exited with code {process.ExitCode} before starting (python3-torch missing? `apt-get install python3-torch libopenblas0-pthread`; its stderr is above)";
            process.Dispose();
            return null;
        }
        var info = JsonNode.Parse(hello)!;
        whyNot = null;
        return new PeerProcess(process, $"PyTorch {info["torch"]} eager, {info["threads"]} thread(s), BLAS {info["blas"]}");
    }

    /// <summary>Builds a case in the peer and runs it once (warm-up).</summary>
    public void Setup(string caseName, JsonObject spec)
    {
        spec["op"] = "setup";
        spec["case"] = caseName;
        Ask(spec);
    }

    /// <summary>One timed run of a case, in seconds (timed inside the peer: no pipe or JSON overhead).</summary>
    public double Run(string caseName) =>
        Ask(new JsonObject { ["op"] = "run", ["case"] = caseName })["seconds"]!.GetValue<double>();

    /// <summary>Frees a case's model and inputs in the peer.</summary>
    public void Drop(string caseName) => Ask(new JsonObject { ["op"] = "drop", ["case"] = caseName });

    private JsonNode Ask(JsonObject command)
    {
        process.StandardInput.WriteLine(command.ToJsonString());
        process.StandardInput.Flush();
        string? line = process.StandardOutput.ReadLine()
                       ?? throw new InvalidOperationException($"the PyTorch peer exited (code {(process.HasExited ? process.ExitCode : -1)}) during '{command["op"]}' of {command["case"]}");
        var answer = JsonNode.Parse(line)!;
        if (answer["error"] is JsonNode error)
            throw new InvalidOperationException($"the PyTorch peer failed on '{command["op"]}' of {command["case"]}: {error}");
        return answer;
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.WriteLine(JsonSerializer.Serialize(new { op = "quit" }));
                process.StandardInput.Flush();
                if (!process.WaitForExit(10_000)) process.Kill();
            }
        }
        catch (IOException)
        {
            // The peer is gone already.
        }
        process.Dispose();
    }
}
