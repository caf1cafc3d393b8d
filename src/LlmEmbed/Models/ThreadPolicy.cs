namespace LlmEmbed.Models;

/// <summary>
/// The OpenMP wait policy of libtorch's CPU threads. By default its worker threads spin while they wait for each
/// other; on a machine shared with other jobs a descheduled worker then stalls every parallel op for a whole
/// scheduler slice (bench/README.md: a GradCache step took 72 s with 2 threads under load vs. 7.8 s with one).
/// Passive waiting (sleep instead of spin) costs little when the machine is quiet and avoids that collapse.
/// </summary>
public static class ThreadPolicy
{
    /// <summary>The environment variable libgomp reads once, when libtorch is loaded.</summary>
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>The policy in force for this process (what was set before start-up, else PASSIVE from <see cref="Apply"/>).</summary>
    public static string? WaitPolicy => Environment.GetEnvironmentVariable(WaitPolicyVariable);

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE unless the user set a policy (run by <see cref="NativeEnvironment"/> at load).</summary>
    public static void Apply() => NativeEnvironment.SetDefault(WaitPolicyVariable, "PASSIVE");
}
