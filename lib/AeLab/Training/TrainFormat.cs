using System.Globalization;

namespace AeLab.Training;

/// <summary>Number and duration formatting shared by progress lines, logs and results (invariant culture).</summary>
internal static class TrainFormat
{
    public static string Number(double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v)) return v.ToString(CultureInfo.InvariantCulture);
        var a = Math.Abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e5)
            ? v.ToString("0.###e+0", CultureInfo.InvariantCulture)
            : v.ToString("0.#####", CultureInfo.InvariantCulture);
    }

    public static string Duration(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds < 0) return "?";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}"
             : t.TotalMinutes >= 1 ? $"{t.Minutes}:{t.Seconds:00}"
             : seconds < 10 ? seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
             : $"{t.Seconds} s";
    }

    public static string Invariant(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
