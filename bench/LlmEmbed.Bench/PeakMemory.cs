using System.Runtime.InteropServices;

namespace LlmEmbed.Bench;

/// <summary>
/// Process memory from /proc/self/status. The resident high-water mark (VmHWM) is reset before a measured section
/// by writing 5 to /proc/self/clear_refs (Linux >= 4.0), so each section's peak is its own.
/// </summary>
internal static class PeakMemory
{
    /// <summary>Resets VmHWM to the current RSS; false when the kernel refuses (the peak then spans the process).</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Hands freed heap memory back to the OS (glibc malloc_trim). Without it, memory a previous step freed stays
    /// resident, the next step reuses it, and its peak over the baseline reads as nearly zero.
    /// </summary>
    public static void ReleaseFreedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        try
        {
            MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc: the baseline then includes whatever the allocator keeps
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    public static double CurrentMiB() => ReadKiB("VmRSS:") / 1024.0;

    public static double PeakMiB() => ReadKiB("VmHWM:") / 1024.0;

    private static double ReadKiB(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return double.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return double.NaN;
    }
}
