using LlmEmbed.Evaluation.Data;
using LlmEmbed.Cli.Display;
using LlmEmbed.Training;
using Spectre.Console;

namespace LlmEmbed.Cli;

/// <summary>
/// What every command shares: turning exceptions into one clear message and an exit code, log lines, and
/// progress display (Spectre.Console colours and live bars on a terminal, plain timestamped lines when standard
/// error is redirected; see <see cref="ProgressView"/>).
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

    /// <summary>
    /// Runs <paramref name="body"/> with the progress view for this process: live bars while standard error is a
    /// terminal (<see cref="Interactive"/>), plain log lines otherwise. The bars end (their last state stays on screen)
    /// before the body's result or exception comes back.
    /// </summary>
    public static T WithProgress<T>(Func<ProgressView, T> body)
    {
        if (!Interactive) return body(new LogProgressView(Log));
        return LiveProgress(ErrorConsole.Value).Start(context => body(new LiveProgressView(context)));
    }

    /// <inheritdoc cref="WithProgress{T}"/>
    public static Task<T> WithProgressAsync<T>(Func<ProgressView, Task<T>> body)
    {
        if (!Interactive) return body(new LogProgressView(Log));
        return LiveProgress(ErrorConsole.Value).StartAsync(context => body(new LiveProgressView(context)));
    }

    /// <summary>The live display's layout: description, bar, percent, Spectre's time-left estimate, spinner.</summary>
    internal static Spectre.Console.Progress LiveProgress(IAnsiConsole console) => console.Progress()
        .AutoRefresh(true)
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
            new RemainingTimeColumn(), new SpinnerColumn());

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
