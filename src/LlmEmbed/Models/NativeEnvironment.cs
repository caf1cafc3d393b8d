using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmEmbed.Models;

/// <summary>
/// Native-library settings that libtorch's OpenMP and MKL read from the C environment once, when they start:
/// they must be in place before the first tensor op. .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// does not reach the native environment on Unix, hence libc's setenv. A value the user set is always kept.
/// </summary>
public static partial class NativeEnvironment
{
    /// <summary>Applies every default (<see cref="ThreadPolicy"/>, <see cref="NumericReproducibility"/>). Idempotent.</summary>
    public static void Configure()
    {
        ThreadPolicy.Apply();
        NumericReproducibility.Configure();
    }

    /// <summary>Sets <paramref name="name"/> in the native and managed environment unless it is already set.</summary>
    internal static void SetDefault(string name, string value)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) return;
        if (SetEnv(name, value, overwrite: 0) == 0) Environment.SetEnvironmentVariable(name, value); // child processes inherit it too
    }

#pragma warning disable CA2255 // A library module initializer on purpose: these must be in place before libtorch starts.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnLoad() => Configure();

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
