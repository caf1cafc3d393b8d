using LlmEmbed.Evaluation.Data;
using LlmEmbed.Training;
using Spectre.Console;

namespace LlmEmbed.Cli;

/// <summary>
/// What every command shares: turning exceptions into one clear message and an exit code, log lines, and
/// progress display (Spectre.Console colours on a terminal, plain timestamped lines when output is redirected).
/// Log lines and errors go to stderr, so stdout carries only a command's results (tables, generated text).
/// </summary>
public static class CliRunner
{
    /// <summary>Exit code for an internal error (a bug): the message, and the stack trace under <c>--verbose</c>.</summary>
    public const int InternalError = 1;

    /// <summary>Exit code for bad input (missing files, invalid options or data).</summary>
    public const int InputError = 2;

    /// <summary>Set from the global <c>--verbose</c> option: internal errors print their stack trace.</summary>
    public static bool Verbose { get; set; }

    /// <summary>Exit code after Ctrl+C (128 + SIGINT, as a shell reports a process ended by it).</summary>
    public const int Cancelled = 130;

    private static readonly Lazy<IAnsiConsole> ErrorConsole = new(() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }));

    public static bool Interactive => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null;

    /// <param name="cancelledMessage">Printed after Ctrl+C instead of "cancelled" (e.g. how to resume).</param>
    public static int Run(Func<int> body, string? cancelledMessage = null) =>
        RunAsync(() => Task.FromResult(body()), cancelledMessage).GetAwaiter().GetResult();

    /// <summary>
    /// For a long synchronous job that stops cleanly: Ctrl+C cancels the token instead of killing the process, the
    /// job winds down (e.g. after its current step) and the exit code is <see cref="Cancelled"/>.
    /// </summary>
    public static int RunCancellable(Func<CancellationToken, int> body, string? cancelledMessage = null)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return Run(() => body(cancel.Token), cancelledMessage);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> body, string? cancelledMessage = null)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            Error(cancelledMessage ?? "cancelled");
            return Cancelled;
        }
        catch (Exception e) when (IsInputError(e))
        {
            Error(UserMessage(e));
            return InputError;
        }
        catch (Exception e)
        {
            Error($"internal error ({e.GetType().Name}): {e.Message}");
            Console.Error.WriteLine(Verbose ? e.ToString() : "  (a bug in llm-embed, not in your input; rerun with --verbose for the stack trace)");
            return InternalError;
        }
    }

    /// <summary>
    /// The message a user sees: without .NET's "(Parameter 'name')" suffix, which names a C# argument rather than
    /// anything the user typed (messages name the option or file themselves), and with "Actual value was x." folded in.
    /// </summary>
    public static string UserMessage(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
            if (e is ArgumentOutOfRangeException { ActualValue: { } actual })
                message = message.Replace($"{Environment.NewLine}Actual value was {actual}.", $" (got {actual})", StringComparison.Ordinal);
        }
        return message;
    }

    /// <summary>Parses <c>--device</c>: cpu, cuda or cuda:N (default: cuda when available).</summary>
    public static TorchSharp.torch.Device ParseDevice(string? name) =>
        LlmEmbed.Models.ComputeDevice.Parse(name ?? (TorchSharp.torch.cuda.is_available() ? "cuda" : "cpu"));

    /// <summary>
    /// Failures a user can fix (files, options, data, a diverged run). Anything else — InvalidOperationException,
    /// NullReferenceException, … — is a bug: exit <see cref="InternalError"/>, stack trace under <c>--verbose</c>.
    /// </summary>
    public static bool IsInputError(Exception e) =>
        e is IOException or InvalidDataException or ArgumentException or FormatException or NotSupportedException
            or NonFiniteLossException or DatasetFormatException or UnauthorizedAccessException;

    public static void Log(string message)
    {
        if (Interactive) ErrorConsole.Value.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(message)}");
        else Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");
    }

    public static void Error(string message)
    {
        if (Interactive) ErrorConsole.Value.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        else Console.Error.WriteLine($"error: {message}");
    }

    /// <summary>Progress messages as log lines, in order.</summary>
    public static IProgress<string> LogProgress() => Progress<string>(Log);

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool and reorder lines).</summary>
    public static IProgress<T> Progress<T>(Action<T> report) => new SynchronousProgress<T>(report);

    /// <summary>Progress lines for training loops: step, loss, learning rate, throughput and ETA.</summary>
    /// <param name="rateUnit">What <see cref="TrainingProgress.TokensPerSecond"/> counts: tokens when pretraining, rows in contrastive training.</param>
    public static IProgress<TrainingProgress> TrainingProgressReporter(string rateUnit = "tok/s") => Progress<TrainingProgress>(p =>
    {
        string context = p.Context is { } c ? c + " " : "";
        if (p.Message != null) { Log($"{context}step {p.Step}/{p.TotalSteps}: {p.Message}"); return; }
        string eta = p.Remaining is { } r ? $", ETA {r:hh\\:mm\\:ss}" : "";
        double pct = 100.0 * p.Step / Math.Max(1, p.TotalSteps);
        string rate = p.TokensPerSecond >= 100 ? p.TokensPerSecond.ToString("N0") : p.TokensPerSecond.ToString("F1");
        string bar = Interactive ? Bar(pct) + " " : "";
        Log($"{context}{bar}step {p.Step}/{p.TotalSteps} ({pct:F1}%) loss {p.Loss:F4} lr {p.LearningRate:E2} {rate} {rateUnit}{eta}");
    });

    /// <summary>A 20-cell text progress bar (terminal only; redirected output gets plain lines).</summary>
    private static string Bar(double percent)
    {
        int filled = (int)Math.Clamp(Math.Round(percent / 5), 0, 20);
        return "[" + new string('#', filled) + new string('.', 20 - filled) + "]";
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
