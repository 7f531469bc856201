namespace AeLab.Runtime;

/// <summary>Process memory as the kernel reports it, to check that training does not leak native memory.</summary>
public static class Memory
{
    /// <summary>Resident set size in bytes (VmRSS from /proc/self/status), or null where that file does not exist (non-Linux).</summary>
    public static long? ResidentBytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            // "VmRSS:   123456 kB"
            if (parts.Length >= 2 && long.TryParse(parts[1], out var kb)) return kb * 1024;
        }
        return null;
    }

    /// <summary>Resident set size in MiB, or NaN where unknown.</summary>
    public static double ResidentMiB() => ResidentBytes() is long b ? b / (1024.0 * 1024.0) : double.NaN;
}
