using System.Text.Json;
using LlmEmbed.Experiments;
using LlmEmbed.Tests.Support;
using Xunit.Abstractions;

namespace LlmEmbed.Tests.Experiments;

/// <summary>
/// An experiment's <c>report.html</c> as a reader sees it: opened from disk in headless Chromium (Debian's
/// <c>chromium</c>, driven over the DevTools protocol), every plot image has decoded (naturalWidth &gt; 0), the page
/// asked for nothing but file: and data: URLs, and logged no console error or exception. A full-page screenshot is
/// saved under the test output folder (<c>browser/report.png</c> beside the test assembly).
/// </summary>
public class ReportInBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ReportOpensInChromiumWithEveryPlotLoadedNothingFetchedAndNoConsoleErrors()
    {
        using var dir = TestPaths.NewTempDir();
        using (var store = ResultsStore.OpenFolder(dir.Path))
        {
            store.RecordExperiment("name: synthetic\n", "test");
            foreach (var s in SyntheticExperiment.Scores())
                store.UpsertTaskScore(new TaskScoreRecord(s.Arm, s.Task, s.Category, "test", s.MainScore, Seed: s.Seed));
            foreach (var c in SyntheticExperiment.LossCurves())
                store.RecordTrainingLoss(c.Arm, c.Points);
        }
        ExperimentReportFiles files;
        using (var store = ResultsStore.OpenFolder(dir.Path))
            files = ExperimentReport.Write(Path.Combine(dir.Path, "report"), store, "Synthetic comparison");

        await using var browser = await HeadlessChromium.StartAsync(dir.File("chromium-profile"));
        await browser.SendAsync("Page.enable");
        await browser.SendAsync("Network.enable");
        await browser.SendAsync("Runtime.enable");
        await browser.SendAsync("Log.enable");
        int before = browser.Events.Count;
        string url = new Uri(files.HtmlPath).AbsoluteUri;
        await browser.SendAsync("Page.navigate", new { url });
        await browser.WaitForEventAsync("Page.loadEventFired", TimeSpan.FromSeconds(60));
        await Task.Delay(500); // late console messages or requests

        var images = await browser.SendAsync("Runtime.evaluate", new
        {
            expression = "JSON.stringify(Array.from(document.images).map(i => ({ alt: i.alt, scheme: i.src.split(':')[0], complete: i.complete, width: i.naturalWidth, height: i.naturalHeight })))",
            returnByValue = true,
        });
        using var list = JsonDocument.Parse(images.GetProperty("result").GetProperty("value").GetString()!);
        var plots = list.RootElement.EnumerateArray().ToList();
        Assert.Equal(files.PlotPaths.Count, plots.Count);
        foreach (var plot in plots)
        {
            output.WriteLine($"image '{plot.GetProperty("alt")}': {plot.GetProperty("scheme")}, {plot.GetProperty("width")}x{plot.GetProperty("height")}");
            Assert.True(plot.GetProperty("complete").GetBoolean() && plot.GetProperty("width").GetInt32() > 0 && plot.GetProperty("height").GetInt32() > 0,
                $"plot image '{plot.GetProperty("alt")}' did not load: {plot}");
        }

        var events = browser.Events.Skip(before).ToList();
        var requested = events.Where(e => e.Method == "Network.requestWillBeSent")
            .Select(e => e.Params.GetProperty("request").GetProperty("url").GetString()!).ToList();
        Assert.Contains(url, requested); // the Network domain sees the page itself, so an empty list would prove nothing
        foreach (string request in requested)
            Assert.True(request.StartsWith("file:", StringComparison.Ordinal) || request.StartsWith("data:", StringComparison.Ordinal),
                $"the report requested {request[..Math.Min(request.Length, 120)]}");
        Assert.DoesNotContain(events, e => e.Method == "Network.loadingFailed");

        var errors = events.Where(e =>
                (e.Method == "Runtime.consoleAPICalled" && e.Params.GetProperty("type").GetString() is "error" or "assert")
                || e.Method == "Runtime.exceptionThrown"
                || (e.Method == "Log.entryAdded" && e.Params.GetProperty("entry").GetProperty("level").GetString() == "error"))
            .Select(e => $"{e.Method}: {e.Params}").ToList();
        Assert.True(errors.Count == 0, "console errors:\n" + string.Join("\n", errors));

        var shot = await browser.SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true });
        byte[] png = Convert.FromBase64String(shot.GetProperty("data").GetString()!);
        Assert.True(png.Length > 10_000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', $"screenshot: {png.Length} bytes");
        string screenshot = Path.Combine(AppContext.BaseDirectory, "browser", "report.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.WriteAllBytes(screenshot, png);
        output.WriteLine($"{requested.Count} request(s), all file: or data:; screenshot {screenshot} ({png.Length / 1024} KiB)");
    }
}
