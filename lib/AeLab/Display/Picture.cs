using SkiaSharp;

namespace AeLab.Display;

/// <summary>An encoded PNG image that notebooks show inline and code can save.</summary>
[TypeFormatterSource(typeof(DisplayFormatterSource), PreferredMimeTypes = [DisplayFormatterSource.Html, DisplayFormatterSource.Png, DisplayFormatterSource.Text])]
public sealed class Picture
{
    readonly byte[] _png;

    /// <summary>Wraps PNG bytes; width and height are read from the data.</summary>
    public Picture(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        using var codec = SKCodec.Create(new SKMemoryStream(png))
            ?? throw new ArgumentException("Picture: the bytes are not a readable image (expected PNG).", nameof(png));
        _png = png;
        Width = codec.Info.Width;
        Height = codec.Info.Height;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>A copy of the PNG bytes.</summary>
    public byte[] ToPng() => (byte[])_png.Clone();

    /// <summary>Writes the PNG atomically (temporary file, then rename) and returns the full path.</summary>
    public string Save(string path)
    {
        AtomicFile.Write(path, s => s.Write(_png));
        return Path.GetFullPath(path);
    }

    /// <summary>Inline HTML (data URI).</summary>
    public string ToHtml() =>
        $"<img src=\"data:image/png;base64,{Convert.ToBase64String(_png)}\" width=\"{Width}\" height=\"{Height}\" style=\"image-rendering:pixelated\"/>";

    /// <summary>Short description for consoles.</summary>
    public override string ToString() => $"Picture {Width}x{Height} PNG ({_png.Length} bytes)";
}

static class AtomicFile
{
    // Write beside the target, then rename: readers never see a half-written file.
    public static void Write(string path, Action<Stream> write)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("Save: give a file path.", nameof(path));
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var s = File.Create(tmp)) write(s);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
