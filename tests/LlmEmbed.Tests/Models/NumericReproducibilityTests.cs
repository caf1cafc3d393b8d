using System.Runtime.InteropServices;
using LlmEmbed.Models;

namespace LlmEmbed.Tests.Models;

public sealed class NumericReproducibilityTests
{
    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr NativeGetEnv(string name);

    /// <summary>
    /// MKL reads MKL_CBWR with the C library's getenv, which does not see the managed environment on Linux: the
    /// strict mode must be in the native environment (the same-seed and resume tests of the trainer depend on it).
    /// </summary>
    [Fact]
    public void Strict_mkl_mode_is_visible_to_native_getenv()
    {
        NumericReproducibility.Configure();
        string? native = Marshal.PtrToStringUTF8(NativeGetEnv(NumericReproducibility.Variable));
        Assert.False(string.IsNullOrEmpty(native));
        Assert.Equal(Environment.GetEnvironmentVariable(NumericReproducibility.Variable), native);
    }
}
