using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LlmEmbed.Tests.Support;

/// <summary>
/// Debian's headless Chromium driven over the Chrome DevTools Protocol (a WebSocket from .NET, no browser driver
/// package): commands get their replies, every event is kept for the test to inspect. One page, one user-data folder
/// of its own; the browser process ends on dispose.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly Process process;
    private readonly ClientWebSocket socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> pending = new();
    private readonly ConcurrentQueue<(string Method, JsonElement Params)> events = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task receiving;
    private int nextId;

    private HeadlessChromium(Process process, ClientWebSocket socket)
    {
        this.process = process;
        this.socket = socket;
        receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Every event received so far, in order.</summary>
    public IReadOnlyList<(string Method, JsonElement Params)> Events => events.ToArray();

    /// <summary>Starts the browser on about:blank and attaches to its page. Fails, naming the fix, when Chromium is missing.</summary>
    public static async Task<HeadlessChromium> StartAsync(string userDataFolder, int width = 1280, int height = 900)
    {
        Assert.True(File.Exists(ExecutablePath),
            $"Chromium is not installed at {ExecutablePath}: the report test needs a real browser (apt-get install -y chromium; .ci/run installs it)");
        var psi = new ProcessStartInfo(ExecutablePath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--remote-debugging-port=0", $"--user-data-dir={userDataFolder}", $"--window-size={width},{height}", "about:blank",
                 })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        _ = process.StandardOutput.ReadToEndAsync();
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr says where the browser listens.
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new StringBuilder();
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (stderr) stderr.AppendLine(line);
                if (DevToolsLine().Match(line) is { Success: true } m) listening.TrySetResult(m.Groups[1].Value);
            }
            listening.TrySetException(new InvalidOperationException("chromium exited before its DevTools endpoint was up"));
        });
        string port;
        try
        {
            port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception e)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            string log;
            lock (stderr) log = stderr.ToString();
            throw new InvalidOperationException($"chromium did not start its DevTools endpoint ({e.Message}); its stderr:\n{log}", e);
        }

        using var http = new HttpClient();
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
        string pageUrl = targets.First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(new Uri(pageUrl), CancellationToken.None);
        return new HeadlessChromium(process, socket);
    }

    /// <summary>Sends one DevTools command and returns its <c>result</c>; a protocol error fails the test with its message.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null, TimeSpan? timeout = null)
    {
        int id = Interlocked.Increment(ref nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = reply;
        byte[] message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        await socket.SendAsync(new ArraySegment<byte>(message), WebSocketMessageType.Text, true, CancellationToken.None);
        var element = await reply.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        if (element.TryGetProperty("error", out var error)) Assert.Fail($"DevTools {method} failed: {error}");
        return element.GetProperty("result");
    }

    /// <summary>Waits for the first event named <paramref name="method"/> (one already received counts).</summary>
    public async Task<JsonElement> WaitForEventAsync(string method, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (m, p) in events)
                if (m == method) return p;
            await Task.Delay(50);
        }
        throw new TimeoutException($"no {method} event from chromium within {timeout.TotalSeconds:F0} s");
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (!stop.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), stop.Token);
                if (result.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                using (var doc = JsonDocument.Parse(message.ToArray()))
                {
                    var root = doc.RootElement.Clone();
                    if (root.TryGetProperty("id", out var idElement) && pending.TryRemove(idElement.GetInt32(), out var reply)) reply.TrySetResult(root);
                    else if (root.TryGetProperty("method", out var method))
                        events.Enqueue((method.GetString()!, root.TryGetProperty("params", out var p) ? p : default));
                }
                message.SetLength(0);
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
        foreach (var reply in pending.Values) reply.TrySetException(new InvalidOperationException("the DevTools connection closed"));
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        try { await receiving; } catch (Exception) { /* the loop ends with the socket */ }
        socket.Dispose();
        try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        process.WaitForExit(10_000);
        process.Dispose();
        stop.Dispose();
    }

    [GeneratedRegex(@"DevTools listening on ws://[^:]+:(\d+)/")]
    private static partial Regex DevToolsLine();
}
