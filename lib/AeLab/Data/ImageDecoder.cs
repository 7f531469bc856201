using SkiaSharp;
using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>Decodes PNG/JPEG/GIF (first frame) with SkiaSharp into RGB floats, flattened onto white, square.</summary>
public static class ImageDecoder
{
    /// <summary>Decodes into [3, size, size] floats in [0, 1]: transparency over white, resized with a high-quality filter, centre-cropped to a square.</summary>
    public static Tensor Decode(byte[] data, int size, string name)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(data))
            ?? throw new InvalidDataException($"{name}: not a PNG, JPEG or GIF image SkiaSharp can read. Remove it from the folder or convert it.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var full = new SKBitmap(info);
        var result = codec.GetPixels(info, full.GetPixels(), new SKCodecOptions(0)); // frame 0 of a GIF
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw new InvalidDataException($"{name}: the image could not be decoded ({result}). Remove or replace the file.");

        // Draw onto a white square canvas: scale so the shorter side fills it, centred (centre crop).
        float scale = (float)size / Math.Min(info.Width, info.Height);
        float w = info.Width * scale, h = info.Height * scale;
        using var canvasBitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(canvasBitmap))
        using (var image = SKImage.FromBitmap(full))
        using (var paint = new SKPaint { FilterQuality = SKFilterQuality.High, IsAntialias = true })
        {
            canvas.Clear(SKColors.White);
            canvas.DrawImage(image, SKRect.Create((size - w) / 2, (size - h) / 2, w, h), paint);
        }
        byte[] rgba = canvasBitmap.Bytes; // opaque after drawing on white, so premultiplied == straight
        using var hwc = tensor(rgba, ScalarType.Byte).reshape(size, size, 4);
        return hwc.narrow(2, 0, 3).permute(2, 0, 1).to(ScalarType.Float32).div_(255f);
    }

    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".gif"];
}
