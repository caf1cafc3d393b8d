using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace LlmEmbed.Tests.Serving;

/// <summary>The real <c>llm-embed serve</c> process: starts, serves, and exits cleanly on SIGTERM.</summary>
public class ServeCommandTests(ServingModels models) : IClassFixture<ServingModels>
{
    private static string Cli => Path.Combine(AppContext.BaseDirectory, "llm-embed.dll");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task ServeProcessAnswersAndShutsDownOnSigterm()
    {
        Assert.True(File.Exists(Cli), $"CLI not found at {Cli}");
        int port = FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Cli, "serve", "--model", models.PlainDir, "--port", port.ToString(), "--model-name", "tiny", "--api-key", "k", "--prompt", "query=Find it" })
            psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(psi)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Wait.UntilAsync(() =>
            {
                Assert.False(process.HasExited, "serve exited early: " + string.Join("\n", log));
                try { return http.GetAsync("/health").Result.StatusCode == HttpStatusCode.OK; }
                catch (AggregateException) { return false; }
            }, "the server answers /health");
            http.DefaultRequestHeaders.Authorization = new("Bearer", "k");
            var reply = await http.PostAsJsonAsync("/v1/embeddings", new { input = new[] { "a", "b" }, model = "tiny", input_type = "query" });
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            var body = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
            var expected = models.Plain.Encode(["a"], new LlmEmbed.Embedding.EncodeOptions { Instruction = "Find it" })[0];
            var vector = body["data"]![0]!["embedding"]!.AsArray().Select(x => (float)x!).ToArray();
            for (int k = 0; k < vector.Length; k++) Assert.Equal(expected[k], vector[k], 1e-6);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "serve did not stop after SIGTERM");
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: " + string.Join("\n", log));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
