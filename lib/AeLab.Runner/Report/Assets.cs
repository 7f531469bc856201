using System.Text.RegularExpressions;
using AeLab.Runtime;

namespace AeLab.Runner.Report;

/// <summary>Finds the npm assets (KaTeX, plotly.js) that the standalone HTML inlines so it works offline.</summary>
public sealed class Assets
{
    readonly string modules;

    public Assets(string runnerDir)
    {
        modules = Path.Combine(runnerDir, "node_modules");
        if (!File.Exists(Path.Combine(modules, "katex", "dist", "katex.min.js")) ||
            !File.Exists(Path.Combine(modules, "plotly.js-dist-min", "plotly.min.js")))
            throw new FileNotFoundException($"KaTeX / plotly.js not found under {modules}; run `npm ci` in {runnerDir} (lib/setup.sh does).");
    }

    public string KatexCss()
    {
        var dist = Path.Combine(modules, "katex", "dist");
        var css = File.ReadAllText(Path.Combine(dist, "katex.min.css"));
        // Keep only the woff2 fonts, inlined as data URIs (every current browser reads woff2).
        css = Regex.Replace(css, @",\s*url\(fonts/[^)]+\.(woff|ttf)\)\s*format\(""[a-z]+""\)", "");
        return Regex.Replace(css, @"url\(fonts/([^)]+\.woff2)\)", m =>
            $"url(data:font/woff2;base64,{Convert.ToBase64String(File.ReadAllBytes(Path.Combine(dist, "fonts", m.Groups[1].Value)))})");
    }

    public string KatexJs() => File.ReadAllText(Path.Combine(modules, "katex", "dist", "katex.min.js"));
    public string AutoRenderJs() => File.ReadAllText(Path.Combine(modules, "katex", "dist", "contrib", "auto-render.min.js"));
    public string PlotlyJs() => File.ReadAllText(Path.Combine(modules, "plotly.js-dist-min", "plotly.min.js"));

    /// <summary>The runner's folder in the source tree (where package.json and node_modules live).</summary>
    public static string FindRunnerDir()
    {
        var dir = Course.Root is { } root ? Path.Combine(root, "lib", "AeLab.Runner") : null;
        if (dir is not null && File.Exists(Path.Combine(dir, "package.json"))) return dir;
        throw new DirectoryNotFoundException("lib/AeLab.Runner (with package.json) not found: run the runner from inside the course folder (" + AppContext.BaseDirectory + ")");
    }
}
