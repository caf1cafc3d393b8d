namespace LlmEmbed.Models;

/// <summary>
/// Makes libtorch's CPU math bit-reproducible from run to run. libtorch's CPU matmuls go through Intel MKL, whose
/// kernels may pick a different code path (and summation order) depending on the memory alignment of the buffers,
/// so two identical runs in one process can differ by ~1e-7 (seen on an AMD EPYC machine: the resume and
/// same-seed tests failed there and passed with the setting below). MKL's conditional numerical reproducibility
/// in strict mode (<c>MKL_CBWR=AUTO,STRICT</c>) removes that dependence. MKL reads the variable from the native
/// environment when it initialises, so it is set with libc's setenv (the managed
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach native code on Unix) before any
/// tensor code runs (<see cref="NativeEnvironment"/>). A value the user set is kept.
/// </summary>
public static class NumericReproducibility
{
    public const string Variable = "MKL_CBWR";
    public const string StrictValue = "AUTO,STRICT";

    /// <summary>Sets MKL_CBWR=AUTO,STRICT unless the user set it (run by <see cref="NativeEnvironment"/> at load). Idempotent.</summary>
    public static void Configure() => NativeEnvironment.SetDefault(Variable, StrictValue);
}
