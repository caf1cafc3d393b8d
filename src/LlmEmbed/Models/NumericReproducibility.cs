using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmEmbed.Models;

/// <summary>
/// Makes libtorch's CPU math bit-reproducible from run to run. libtorch's CPU matmuls go through Intel MKL, whose
/// kernels may pick a different code path (and summation order) depending on the memory alignment of the buffers,
/// so two identical runs in one process can differ by ~1e-7 (seen on an AMD EPYC machine: the resume and
/// same-seed tests failed there and passed with the setting below). MKL's conditional numerical reproducibility
/// in strict mode (<c>MKL_CBWR=AUTO,STRICT</c>) removes that dependence. MKL reads the variable from the native
/// environment when it initialises, so it is set with libc's setenv (the managed
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach native code on Unix) before any
/// tensor code runs: this assembly's module initializer does it. A value the user set is kept.
/// </summary>
public static partial class NumericReproducibility
{
    public const string Variable = "MKL_CBWR";
    public const string StrictValue = "AUTO,STRICT";

    /// <summary>Sets MKL_CBWR=AUTO,STRICT in the native environment unless it is already set. Idempotent.</summary>
    public static void Configure()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // Windows: managed setenv reaches the CRT
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))) return;
        _ = SetEnv(Variable, StrictValue, overwrite: 0);
        Environment.SetEnvironmentVariable(Variable, StrictValue); // keep the managed view in step (child processes)
    }

#pragma warning disable CA2255 // Must run before TorchSharp initialises MKL, whichever type of this library is touched first.
    [ModuleInitializer]
    internal static void OnLoad() => Configure();
#pragma warning restore CA2255

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
