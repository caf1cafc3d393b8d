namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// Where a kill-and-resume scenario SIGKILLs its child: a name for the test's journal, and how to wait for that moment
/// and kill (true), or report that the run ended before it came (false).
/// </summary>
internal sealed record KillPoint(string Name, Func<CliChild, bool> KillAtThePoint)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>A fixed time after the process started (start-up, data loading, model building, the first steps).</summary>
    public static KillPoint After(TimeSpan delay) => new($"{delay.TotalMilliseconds:F0} ms after start", child =>
    {
        while (DateTime.UtcNow < child.StartedUtc + delay)
        {
            if (child.HasExited) return false;
            Thread.Sleep(1);
        }
        return child.Kill();
    });

    /// <summary>Once <paramref name="reached"/> holds (polled), <paramref name="delay"/> later: a random moment inside a step.</summary>
    public static KillPoint Once(string name, Func<bool> reached, TimeSpan delay) => new($"{name}, then {delay.TotalMilliseconds:F0} ms", child =>
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!reached())
        {
            if (child.HasExited || DateTime.UtcNow > deadline) return false;
            Thread.Sleep(1);
        }
        var until = DateTime.UtcNow + delay;
        while (DateTime.UtcNow < until)
        {
            if (child.HasExited) return false;
            Thread.Sleep(1);
        }
        return child.Kill();
    });

    /// <summary>
    /// In a chosen phase: the child is frozen at every look and killed in the first frozen state where
    /// <paramref name="phase"/> holds, so it dies exactly there (e.g. with a half-written checkpoint folder on disk).
    /// </summary>
    public static KillPoint During(string name, Func<bool> phase) => new(name, child => child.KillWhen(phase, freezeToLook: true, Patience));
}
