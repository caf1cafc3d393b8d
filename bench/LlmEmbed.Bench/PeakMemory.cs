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
