using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE in the native environment unless the user set a policy. It runs when this library
    /// is loaded, i.e. before its first tensor op loads libtorch (libgomp reads the variable only then; .NET's
    /// Environment.SetEnvironmentVariable does not reach the native environment on Linux, hence setenv).
    /// </summary>
#pragma warning disable CA2255 // A library module initializer on purpose: the policy must be in place before libtorch loads.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(WaitPolicyVariable))) return;
        if (setenv(WaitPolicyVariable, "PASSIVE", 0) == 0) Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
