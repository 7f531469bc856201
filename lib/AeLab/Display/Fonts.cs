using SkiaSharp;

namespace AeLab.Display;

/// <summary>Finds a typeface for labels. Skia's Linux build without fontconfig has no default font, so known font files are tried.</summary>
static class Fonts
{
    static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "/System/Library/Fonts/Helvetica.ttc",
        @"C:\Windows\Fonts\arial.ttf",
        @"C:\Windows\Fonts\segoeui.ttf",
    ];

    static readonly Lazy<SKTypeface> Face = new(Find);

    // A known file first: Skia's default face here lacks glyphs labels use (², subscripts), which it draws as boxes.
    static SKTypeface Find()
    {
        foreach (var path in Candidates)
            if (File.Exists(path) && SKTypeface.FromFile(path) is { GlyphCount: > 0 } f) return f;
        var d = SKTypeface.Default;
        return d is not null && d.GlyphCount > 0 ? d : SKTypeface.CreateDefault();
    }

    public static SKPaint Paint(float size) =>
        new() { Typeface = Face.Value, TextSize = size, IsAntialias = true, Color = SKColors.Black };
}
