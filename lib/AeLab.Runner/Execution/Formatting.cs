using Microsoft.DotNet.Interactive.Formatting;

namespace AeLab.Runner.Execution;

/// <summary>Turns a value into a mime bundle the way the .NET Interactive kernel does.</summary>
public static class Formatting
{
    public static Dictionary<string, string> Bundle(object? value)
    {
        var bundle = new Dictionary<string, string>();
        if (value is null) { bundle["text/plain"] = "<null>"; return bundle; }
        var mime = Formatter.GetPreferredMimeTypesFor(value.GetType()).FirstOrDefault() ?? HtmlFormatter.MimeType;
        bundle[mime] = Formatter.ToDisplayString(value, mime);
        if (mime != PlainTextFormatter.MimeType)
            bundle[PlainTextFormatter.MimeType] = Formatter.ToDisplayString(value, PlainTextFormatter.MimeType);
        // Pictures also travel as image/png so Jupyter and GitHub show them without HTML.
        var toPng = value.GetType().GetMethod("ToPng", Type.EmptyTypes);
        if (toPng?.ReturnType == typeof(byte[]) && toPng.Invoke(value, null) is byte[] png)
            bundle["image/png"] = Convert.ToBase64String(png);
        return bundle;
    }
}
