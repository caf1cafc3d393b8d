using LlmEmbed.Training;
using Spectre.Console;

namespace LlmEmbed.Cli;

/// <summary>
/// What every command shares: turning exceptions into one clear message and an exit code, log lines, and
/// progress display (Spectre.Console colours on a terminal, plain timestamped lines when output is redirected).
/// </summary>
public static class CliRunner
{
    /// <summary>Exit code for bad input (missing files, invalid options or data).</summary>
    public const int InputError = 2;

    public static bool Interactive => !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null;

    public static int Run(Func<int> body) => RunAsync(() => Task.FromResult(body())).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            Error("cancelled");
            return 130;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or FormatException or NotSupportedException or InvalidOperationException or NonFiniteLossException)
        {
            Error(e.Message);
            return InputError;
        }
    }

    public static void Log(string message)
    {
        if (Interactive) AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(message)}");
        else Console.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");
    }

    public static void Error(string message)
    {
        if (Interactive) AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        else Console.Error.WriteLine($"error: {message}");
    }

    /// <summary>Progress lines for training loops: step, loss, learning rate, tokens/s and ETA.</summary>
    public static IProgress<TrainingProgress> TrainingProgressReporter() => new SynchronousProgress<TrainingProgress>(p =>
    {
        string context = p.Context is { } c ? c + " " : "";
        if (p.Message != null) { Log($"{context}step {p.Step}/{p.TotalSteps}: {p.Message}"); return; }
        string eta = p.Remaining is { } r ? $", ETA {r:hh\\:mm\\:ss}" : "";
        double pct = 100.0 * p.Step / Math.Max(1, p.TotalSteps);
        Log($"{context}step {p.Step}/{p.TotalSteps} ({pct:F1}%) loss {p.Loss:F4} lr {p.LearningRate:E2} {p.TokensPerSecond:N0} tok/s{eta}");
    });

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
