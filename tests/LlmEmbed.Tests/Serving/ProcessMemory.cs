using System.Runtime;
using System.Runtime.InteropServices;

namespace LlmEmbed.Tests.Serving;

/// <summary>
/// This process's memory at a quiet moment: the managed heap after full, compacting, blocking collections (finalizers
/// run, so undisposed tensors have freed their native memory), the resident set after glibc's <c>malloc_trim</c> has
/// returned free heap pages to the OS, and the number of live TorchSharp tensors.
/// </summary>
internal readonly record struct ProcessMemory(long ManagedBytes, long ResidentBytes, long LiveTensors)
{
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    public static ProcessMemory Measure()
    {
        for (int i = 0; i < 3; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        MallocTrim(0);
        return new ProcessMemory(GC.GetTotalMemory(forceFullCollection: true), ResidentSetBytes(), TorchSharp.torch.Tensor.TotalCount);
    }

    /// <summary>VmRSS of /proc/self/status (Linux; the test fails loudly elsewhere rather than measuring nothing).</summary>
    private static long ResidentSetBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("kB", parts[2]);
            return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException("/proc/self/status has no VmRSS line");
    }

    public override string ToString() => $"managed {ManagedBytes / 1024.0:F0} KiB, RSS {ResidentBytes / 1048576.0:F1} MiB, {LiveTensors} live tensors";
}
