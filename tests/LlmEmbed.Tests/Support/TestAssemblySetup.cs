using System.Runtime.CompilerServices;
using LlmEmbed.Models;

namespace LlmEmbed.Tests.Support;

/// <summary>Runs before any test touches TorchSharp, as the CLI's first statement does.</summary>
internal static class TestAssemblySetup
{
    [ModuleInitializer]
    internal static void Configure() => NativeEnvironment.Configure();
}
