namespace AeLab.Display;

// Microsoft.DotNet.Interactive.Formatting finds formatters through an attribute it recognises by
// NAME (TypeFormatterSourceAttribute with FormatterSourceType), a source with CreateTypeFormatters(),
// and formatters with MimeType + Format(object, TextWriter). Declaring these here keeps the library
// free of any kernel package; TorchSharp uses the same convention for tensors.

/// <summary>Names the formatter source for a displayable type (recognised by name by the notebook kernel).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    /// <summary>The type whose CreateTypeFormatters() yields the formatters.</summary>
    public Type FormatterSourceType { get; } = formatterSourceType;

    /// <summary>The MIME types a notebook gets for the type (it shows the richest it can).</summary>
    public string[] PreferredMimeTypes { get; set; } = [DisplayFormatterSource.Html, DisplayFormatterSource.Text];
}

/// <summary>
/// A type whose short ToString() is how a notebook should show it (a training result, an epoch, the lab's
/// environment) instead of the kernel's default table of every property. Mark the type with this interface and
/// <c>[TypeFormatterSource(typeof(DisplayFormatterSource))]</c>.
/// </summary>
public interface ISummary { }

/// <summary>
/// Formatters for <see cref="Picture"/> and <see cref="Plot"/>, and for the summaries lessons end cells with
/// (any <see cref="ISummary"/>): those show their one- or two-line ToString().
/// </summary>
public sealed class DisplayFormatterSource
{
    /// <summary>Called by the kernel's formatting package.</summary>
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new HtmlFormatter();
        yield return new PlainTextFormatter();
        yield return new PngFormatter();
    }

    /// <summary>MIME types every displayable library type offers: HTML for notebooks, text for consoles and logs.</summary>
    public const string Html = "text/html", Text = "text/plain", Png = "image/png";

    /// <summary>A picture, or a plot's static picture, as image/png (base64, as nbformat stores it), for viewers that run no script.</summary>
    public sealed class PngFormatter
    {
        /// <summary>MIME type produced.</summary>
        public string MimeType => Png;

        /// <summary>Writes a picture's PNG as base64; false for anything else.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            var picture = instance switch { Picture p => p, Plot c => c.ToPicture(), _ => null };
            if (picture is null) return false;
            writer.Write(Convert.ToBase64String(picture.ToPng()));
            return true;
        }
    }

    /// <summary>Inline HTML: an &lt;img&gt; for pictures, a div + script for plots.</summary>
    public sealed class HtmlFormatter
    {
        /// <summary>MIME type produced.</summary>
        public string MimeType => "text/html";

        /// <summary>Writes HTML for a picture or plot; false for anything else.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            switch (instance)
            {
                case Picture p: writer.Write(p.ToHtml()); return true;
                case Plot c: writer.Write(c.ToHtml()); return true;
                case not null when IsSummary(instance):
                    writer.Write("<pre class=\"aelab-summary\" style=\"white-space:pre-wrap\">" + System.Net.WebUtility.HtmlEncode(instance.ToString()) + "</pre>");
                    return true;
                default: return false;
            }
        }
    }

    /// <summary>Plain text (console hosts, logs).</summary>
    public sealed class PlainTextFormatter
    {
        /// <summary>MIME type produced.</summary>
        public string MimeType => "text/plain";

        /// <summary>Writes ToString() for a picture or plot; false for anything else.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not (Picture or Plot) && !IsSummary(instance)) return false;
            writer.Write(instance.ToString());
            return true;
        }
    }

    static bool IsSummary(object instance) => instance is ISummary;
}
