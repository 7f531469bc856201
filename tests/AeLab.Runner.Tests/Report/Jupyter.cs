using System.Diagnostics;

namespace AeLab.Runner.Tests.Report;

/// <summary>Jupyter's own tools (Debian's python3-nbformat and python3-nbconvert; lib/setup.sh --tests installs them).</summary>
static class Jupyter
{
    /// <summary>Validates against the nbformat 4 schema; returns the validator's complaint, or null when valid.</summary>
    public static string? Validate(string ipynb) =>
        Python("import sys, nbformat\nnb = nbformat.read(sys.argv[1], as_version=4)\nnbformat.validate(nb)\nprint('valid')", ipynb) is var (code, output) && code == 0 && output.Trim() == "valid"
            ? null : output;

    /// <summary>nbconvert's HTML export of the notebook (as GitHub-like viewers and Jupyter render it).</summary>
    public static string ToHtml(string ipynb)
    {
        var (code, output) = Python("import sys, nbformat\nfrom nbconvert import HTMLExporter\nbody, _ = HTMLExporter().from_notebook_node(nbformat.read(sys.argv[1], as_version=4))\nsys.stdout.write(body)", ipynb);
        if (code != 0) throw new InvalidOperationException("nbconvert failed:\n" + output);
        return output;
    }

    static (int code, string output) Python(string script, string arg)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c"); psi.ArgumentList.Add(script); psi.ArgumentList.Add(arg);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }
}
