using SkiaSharp;

namespace AeLab.Display;

/// <summary>Value range of image tensors: [0,1] (sigmoid outputs) or [-1,1] (tanh outputs).</summary>
public enum PixelRange
{
    /// <summary>0 is black, 1 is white.</summary>
    ZeroOne,
    /// <summary>-1 is black, 1 is white.</summary>
    MinusOneOne,
}

/// <summary>An RGB pixel buffer (row-major, 3 bytes a pixel) that becomes a PNG.</summary>
sealed class Raster(int width, int height)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    public byte[] Rgb { get; } = new byte[width * height * 3];

    public void Fill(byte v) => Array.Fill(Rgb, v);

    public void Set(int x, int y, byte r, byte g, byte b)
    {
        var i = (y * Width + x) * 3;
        Rgb[i] = r; Rgb[i + 1] = g; Rgb[i + 2] = b;
    }

    /// <summary>Nearest-neighbour upscale by an integer factor (keeps 28x28 digits crisp).</summary>
    public Raster Upscale(int scale)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be 1 or more.");
        if (scale == 1) return this;
        var r = new Raster(Width * scale, Height * scale);
        for (var y = 0; y < r.Height; y++)
            for (var x = 0; x < r.Width; x++)
                Array.Copy(Rgb, ((y / scale) * Width + x / scale) * 3, r.Rgb, (y * r.Width + x) * 3, 3);
        return r;
    }

    public SKBitmap ToBitmap()
    {
        var bmp = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var px = new byte[Width * Height * 4];
        for (int i = 0, j = 0; i < Rgb.Length; i += 3, j += 4)
        {
            px[j] = Rgb[i]; px[j + 1] = Rgb[i + 1]; px[j + 2] = Rgb[i + 2]; px[j + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(px, 0, bmp.GetPixels(), px.Length);
        return bmp;
    }

    public Picture ToPicture()
    {
        using var bmp = ToBitmap();
        return Encode(bmp);
    }

    public static Picture Encode(SKBitmap bmp)
    {
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return new Picture(data.ToArray());
    }

    /// <summary>Maps a value to a byte like torchvision's save_image: floor(v*255 + 0.5) after clamping.</summary>
    public static byte ToByte(float v, PixelRange range)
    {
        if (range == PixelRange.MinusOneOne) v = (v + 1f) / 2f;
        if (float.IsNaN(v)) v = 0f;
        v = Math.Clamp(v, 0f, 1f);
        return (byte)Math.Min(255, (int)MathF.Floor(v * 255f + 0.5f));
    }
}
