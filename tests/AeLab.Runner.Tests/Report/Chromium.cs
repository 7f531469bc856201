using System.Diagnostics;
using SkiaSharp;

namespace AeLab.Runner.Tests.Report;

/// <summary>Screenshots a page in headless Chromium and decodes the PNG.</summary>
static class Chromium
{
    public static string? Path() => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    public static SKBitmap Screenshot(string html, int width, int height)
    {
        var exe = Path() ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium)");
        var dir = Repo.TempDir();
        var png = System.IO.Path.Combine(dir, "shot.png");
        var psi = new ProcessStartInfo(exe)
        {
            ArgumentList =
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--hide-scrollbars", $"--user-data-dir={System.IO.Path.Combine(dir, "profile")}",
                "--virtual-time-budget=10000", $"--screenshot={png}", $"--window-size={width},{height}", "file://" + html,
            },
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("chromium did not finish in 120 s"); }
        if (!File.Exists(png)) throw new InvalidOperationException("chromium wrote no screenshot: " + err.Result);
        return SKBitmap.Decode(png);
    }

    /// <summary>How many pixels are within <paramref name="tolerance"/> of the colour on every channel.</summary>
    public static int Count(SKBitmap bitmap, byte r, byte g, byte b, int tolerance = 12)
    {
        int n = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - r) <= tolerance && Math.Abs(c.Green - g) <= tolerance && Math.Abs(c.Blue - b) <= tolerance) n++;
            }
        return n;
    }
}
