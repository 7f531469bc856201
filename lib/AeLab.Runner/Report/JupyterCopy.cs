using AeLab.Runner.Execution;
using AeLab.Runner.Notebook;

namespace AeLab.Runner.Report;

/// <summary>
/// The course for Jupyter: each lesson as an unexecuted nbformat 4 notebook with the .NET (C#) kernelspec, written from
/// its .dib (the .dib stays the source). They live in jupyter/ at the repository root, a sibling of notebooks/, so a
/// kernel started in the notebook's folder resolves the lessons' <c>#r "../lib/bin/AeLab.dll"</c> as it does in notebooks/;
/// links between lessons point at the other .ipynb. `AeLab.Runner --ipynb jupyter` regenerates them.
/// </summary>
public static class JupyterCopy
{
    /// <summary>The folder of the committed copies, relative to the repository root.</summary>
    public const string Folder = "jupyter";

    /// <summary>The notebook's text for a lesson (with <paramref name="solutions"/>: its exercise cells replaced by their solutions).</summary>
    public static string Render(string dib, string? solutions = null) =>
        // The report's link to a lesson's solutions is seen from notebooks/out; from jupyter/ the same file is here.
        IpynbReport.Render(Lesson.Load(dib, solutions), Array.Empty<CellResult>()).Replace("](../solutions/", "](../notebooks/solutions/");

    /// <summary>Writes &lt;folder&gt;/&lt;lesson&gt;.ipynb and returns its path.</summary>
    public static string Write(string dib, string folder, string? solutions = null)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Path.GetFileNameWithoutExtension(dib) + ".ipynb");
        File.WriteAllText(path, Render(dib, solutions));
        return path;
    }
}
