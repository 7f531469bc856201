using Microsoft.DotNet.Interactive;
using System.Diagnostics;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Directives;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace AeLab.Runner.Execution;

/// <summary>
/// The C# kernel exactly as the dotnet-interactive tool (the process VS Code's Polyglot Notebooks starts) sets it
/// up in its KernelBuilder: a CompositeKernel holding a CSharpKernel with #r "nuget:", the Kernel helpers
/// (<c>display</c>, ...), #!who and value sharing, plus the #!import magic command and the notebook front end's
/// formatting defaults (HTML, strings as plain text). Only the other languages are left out.
/// </summary>
public static class KernelSetup
{
    public static CompositeKernel Create()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective((k, packages) =>
            {
                k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            })
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();
        var composite = new CompositeKernel();
        composite.Add(csharp, ["c#", "C#"]);
        composite.UseImportMagicCommand();
        UseTime(composite);
        composite.DefaultKernelName = csharp.Name;
        // What the tool does for a browser front end (VS Code's notebook is one).
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        Formatter.SetPreferredMimeTypesFor(typeof(string), PlainTextFormatter.MimeType);
        return composite;
    }

    /// <summary>
    /// #!time, as the tool has it (from its Jupyter package, which the runner cannot reference): after the cell,
    /// a display of "Wall time: …ms".
    /// </summary>
    static void UseTime(Kernel kernel) =>
        kernel.AddDirective(new KernelActionDirective("#!time") { Description = "Time the execution of the cell." }, (command, context) =>
        {
            var timer = Stopwatch.StartNew();
            context.OnComplete(c => c.Publish(new DisplayedValueProduced(timer.Elapsed, context.Command,
                [new FormattedValue(PlainTextFormatter.MimeType, $"Wall time: {timer.Elapsed.TotalMilliseconds}ms")])));
            return Task.CompletedTask;
        });
}
