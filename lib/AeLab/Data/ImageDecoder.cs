using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using SkiaSharp;
using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>
/// Decodes PNG/JPEG/GIF (first frame) with SkiaSharp into RGB floats, flattened onto white, square.
/// Sizes are read from the file's header before anything is decoded: an image whose decoded size would exceed
/// <see cref="MaxDecodedPixels"/> is refused, and a big JPEG is decoded at 1/2, 1/4 or 1/8 size when that
/// still leaves at least twice the target size (see <see cref="ReduceAbovePixels"/>).
/// </summary>
public static class ImageDecoder
{
    /// <summary>
    /// The most pixels one image may take once decoded (default 2^28, e.g. 16384×16384: 1 GiB as RGBA).
    /// Above it the image is refused with a message naming it, instead of the process running out of memory.
    /// </summary>
    public static long MaxDecodedPixels { get; set; } = 1L << 28;

    /// <summary>
    /// Images with more pixels than this (default 4096×4096) are decoded at reduced size where the format allows
    /// it (JPEG); smaller ones are decoded at full size, so their pixels do not depend on this setting.
    /// </summary>
    public static long ReduceAbovePixels { get; set; } = 4096L * 4096;

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
    /// A failure is thrown as itself (the first failing image's), not wrapped in an AggregateException.
    /// </summary>
    public static unsafe Tensor DecodeAll(int count, Func<int, (byte[] Data, string Name)> read, int size)
    {
        var all = empty(count, 3, size, size);
        int plane = 3 * size * size, chunk = Math.Max(1, (256 << 20) / (4 * plane)); // a Span's length is an int: ≤ 256 MiB at a time
        var failure = new FirstFailure();
        for (int start = 0; start < count && !failure.Happened; start += chunk)
        {
            int n = Math.Min(chunk, count - start);
            using var rows = all.narrow(0, start, n); // contiguous rows of a CPU tensor: its bytes are its memory
            var first = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(rows.bytes));
            int offset = start;
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                if (failure.Before(offset + i)) return; // an earlier image failed: only earlier ones still matter
                try
                {
                    var (data, name) = read(offset + i);
                    DecodeInto(data, size, name, new Span<float>(first + (long)i * plane, plane));
                }
                catch (Exception e)
                {
                    failure.Record(offset + i, e);
                }
            });
        }
        if (failure.Exception is { } error)
        {
            all.Dispose();
            ExceptionDispatchInfo.Throw(error);
        }
        return all;
    }

    /// <summary>Decodes one image into <paramref name="chw"/> (3·size·size floats, channel planes); managed code only.</summary>
    public static void DecodeInto(byte[] data, int size, string name, Span<float> chw)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(data))
            ?? throw new DataFormatException(name, $"{name}: not a PNG, JPEG or GIF image SkiaSharp can read. Remove it from the folder or convert it.");
        var dims = DecodedSize(codec, size, name);
        var info = new SKImageInfo(dims.Width, dims.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var budget = DecodeBudget.Take(info.BytesSize64);
        using var full = Allocate(info, name);
        var result = codec.GetPixels(info, full.GetPixels(), new SKCodecOptions(0)); // frame 0 of a GIF
        if (result == SKCodecResult.IncompleteInput)
            throw new DataFormatException(name, $"{name}: the image is truncated (the file ends before its last pixels). Replace it with a complete copy or remove it.");
        if (result != SKCodecResult.Success)
            throw new DataFormatException(name, $"{name}: the image could not be decoded ({result}). Remove or replace the file.");
        full.SetImmutable(); // so SKImage.FromBitmap shares the pixels instead of copying them

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

    /// <summary>
    /// The size to decode at, from the header alone: full size up to <see cref="ReduceAbovePixels"/>; above, the
    /// smallest size the codec offers whose shorter side is still at least 2·<paramref name="size"/>. Refused above
    /// <see cref="MaxDecodedPixels"/>.
    /// </summary>
    internal static SKSizeI DecodedSize(SKCodec codec, int size, string name)
    {
        int w = codec.Info.Width, h = codec.Info.Height;
        if (w <= 0 || h <= 0)
            throw new DataFormatException(name, $"{name}: the image header gives a size of {w}×{h} pixels; the file is damaged. Remove or replace it.");
        var dims = new SKSizeI(w, h);
        if ((long)w * h > ReduceAbovePixels)
        {
            float wanted = Math.Min(1f, 2f * size / Math.Min(w, h));
            var scaled = codec.GetScaledDimensions(wanted);
            if (scaled.Width > 0 && scaled.Height > 0 && Math.Min(scaled.Width, scaled.Height) >= Math.Min(2 * size, Math.Min(w, h)))
                dims = scaled;
        }
        long pixels = (long)dims.Width * dims.Height;
        if (pixels > MaxDecodedPixels)
            throw new DataFormatException(name,
                $"{name}: the image is {w}×{h} pixels{(dims.Width == w ? "" : $" (decodable at {dims.Width}×{dims.Height} at the least)")}, " +
                $"{Megapixels(pixels)} decoded, above the limit ImageDecoder.MaxDecodedPixels = {Megapixels(MaxDecodedPixels)} " +
                $"({MaxDecodedPixels * 4 >> 20} MiB as RGBA; {codec.EncodedFormat} cannot be decoded at reduced size here). " +
                "Shrink the file first (e.g. to 4096 px), or raise ImageDecoder.MaxDecodedPixels if there is memory for it.");
        return dims;
    }

    static SKBitmap Allocate(SKImageInfo info, string name)
    {
        var bitmap = new SKBitmap();
        if (bitmap.TryAllocPixels(info)) return bitmap;
        bitmap.Dispose();
        throw new DataFormatException(name,
            $"{name}: not enough memory to decode the {info.Width}×{info.Height} image ({info.BytesSize64 >> 20} MiB). " +
            "Shrink the file, or lower ImageDecoder.MaxDecodedPixels so that such images are refused up front.");
    }

    static string Megapixels(long pixels) => $"{pixels / 1e6:0.#} megapixels";

    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".gif"];

    /// <summary>Keeps the failure of the lowest-numbered image, so the error does not depend on thread timing.</summary>
    sealed class FirstFailure
    {
        volatile int _index = int.MaxValue;
        public Exception? Exception { get; private set; }
        public bool Happened => Exception is not null;
        public bool Before(int index) => _index < index;

        public void Record(int index, Exception e)
        {
            lock (this)
                if (index < _index) { _index = index; Exception = e; }
        }
    }

    /// <summary>
    /// Bounds the memory of big images decoded at once on many cores: each waits until the others' decoded
    /// bytes leave room (one always proceeds), so N cores do not need N times the largest image.
    /// </summary>
    sealed class DecodeBudget : IDisposable
    {
        const long Small = 16L << 20, Total = 1L << 30;
        static readonly object Gate = new();
        static long _inUse;
        readonly long _bytes;

        DecodeBudget(long bytes) => _bytes = bytes;

        public static DecodeBudget Take(long bytes)
        {
            if (bytes < Small) return new DecodeBudget(0);
            lock (Gate)
            {
                while (_inUse > 0 && _inUse + bytes > Total) Monitor.Wait(Gate);
                _inUse += bytes;
            }
            return new DecodeBudget(bytes);
        }

        public void Dispose()
        {
            if (_bytes == 0) return;
            lock (Gate) { _inUse -= _bytes; Monitor.PulseAll(Gate); }
        }
    }
}
