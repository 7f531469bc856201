using System.Diagnostics;

namespace AeLab.Bench;

/// <summary>Small timing and memory helpers shared by the measurements.</summary>
public static class Measure
{
    public static double Seconds(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalSeconds;
    }

    public static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>As many timed repetitions as fit in <paramref name="budget"/> seconds, at least lo, at most hi.</summary>
    public static int Count(double firstSeconds, double budget, int lo, int hi) =>
        Math.Max(lo, Math.Min(hi, (int)(budget / Math.Max(firstSeconds, 1e-6))));

    /// <summary>A field of /proc/self/status in MiB (VmRSS now, VmHWM the peak), NaN where unknown.</summary>
    public static double StatusMiB(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], out var kb)) return kb / 1024.0;
            }
        return double.NaN;
    }
}
