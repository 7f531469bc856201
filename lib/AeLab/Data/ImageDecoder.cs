using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SkiaSharp;
using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>Decodes PNG/JPEG/GIF (first frame) with SkiaSharp into RGB floats, flattened onto white, square.</summary>
public static class ImageDecoder
{
    /// <summary>Decodes into [3, size, size] floats in [0, 1]: transparency over white, resized with a high-quality filter, centre-cropped to a square.</summary>
    public static Tensor Decode(byte[] data, int size, string name)
    {
        var chw = new float[3 * size * size];
        DecodeInto(data, size, name, chw);
        return tensor(chw, [3, size, size]);
    }

    /// <summary>
    /// Decodes many images into one [N, 3, size, size] tensor. SkiaSharp decodes on all cores straight into the
    /// tensor's memory; only the calling thread calls libtorch, because its view bookkeeping is not safe when
    /// worker threads index one shared tensor at once (that failed intermittently). Writing in place, rather
    /// than through a managed buffer, touches each page once: fresh memory is slow to fault in on some VMs.
    /// </summary>
    public static unsafe Tensor DecodeAll(int count, Func<int, (byte[] Data, string Name)> read, int size)
    {
        var all = empty(count, 3, size, size);
        int plane = 3 * size * size, chunk = Math.Max(1, (256 << 20) / (4 * plane)); // a Span's length is an int: ≤ 256 MiB at a time
        for (int start = 0; start < count; start += chunk)
        {
            int n = Math.Min(chunk, count - start);
            using var rows = all.narrow(0, start, n); // contiguous rows of a CPU tensor: its bytes are its memory
            var first = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(rows.bytes));
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                var (data, name) = read(start + i);
                DecodeInto(data, size, name, new Span<float>(first + (long)i * plane, plane));
            });
        }
        return all;
    }

    /// <summary>Decodes one image into <paramref name="chw"/> (3·size·size floats, channel planes); managed code only.</summary>
    public static void DecodeInto(byte[] data, int size, string name, Span<float> chw)
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
        // Opaque after drawing on white, so premultiplied == straight. RGBA pixels → three channel planes.
        byte[] rgba = canvasBitmap.Bytes;
        int plane = size * size;
        for (int p = 0; p < plane; p++)
        {
            chw[p] = rgba[4 * p] / 255f;
            chw[plane + p] = rgba[4 * p + 1] / 255f;
            chw[2 * plane + p] = rgba[4 * p + 2] / 255f;
        }
    }

    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".gif"];
}
