using System.Runtime.CompilerServices;
using LlmEmbed.Models;

namespace LlmEmbed.Tests.Support;

/// <summary>Runs before any test touches TorchSharp, as the CLI's first statement does.</summary>
internal static class TestAssemblySetup
{
    /// <summary>
    /// Also pins <c>dtype: auto</c> to float32 (unless the caller chose): tests compare against float32 references,
    /// and what auto means depends on the CPU (<see cref="CpuDTypeProbe"/>, which has tests of its own). Child CLI
    /// processes inherit it.
    /// </summary>
    [ModuleInitializer]
    internal static void Configure()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CpuDTypeProbe.OverrideVariable)))
            Environment.SetEnvironmentVariable(CpuDTypeProbe.OverrideVariable, "float32");
        NativeEnvironment.Configure();
    }
}
