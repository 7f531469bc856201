using System.IO.Compression;
using System.Net;
using SkiaSharp;

namespace AeLab.Tests.Data;

/// <summary>A temporary folder deleted at the end of a test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("aelab-data-").FullName;
    public string this[string name] => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public static class TestFiles
{
    public static byte[] Idx(int dims, int[] shape, byte[] payload)
    {
        var ms = new MemoryStream();
        ms.Write([0, 0, 8, (byte)dims]);
        foreach (int d in shape) ms.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        ms.Write(payload);
        return ms.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    /// <summary>A PNG of the given size filled with one RGBA colour.</summary>
    public static byte[] Png(int w, int h, SKColor color)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bmp.Erase(color);
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>
    /// An 8-bit grey PNG written by hand: its header says <paramref name="w"/>×<paramref name="h"/>; the pixel rows
    /// (all <paramref name="grey"/>) are written only when <paramref name="withPixels"/>, so a huge size costs nothing.
    /// </summary>
    public static byte[] GreyPng(int w, int h, byte grey = 0, bool withPixels = true)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; // bit depth; colour type 0 (grey), deflate, no filter set, not interlaced
        Chunk(ms, "IHDR", ihdr);
        var z = new MemoryStream();
        using (var zlib = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[1 + w];
            Array.Fill(row, grey, 1, w);
            for (int y = 0; y < (withPixels ? h : 1); y++) zlib.Write(row);
        }
        Chunk(ms, "IDAT", z.ToArray());
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    static void Chunk(Stream s, string type, byte[] data)
    {
        var head = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, head.AsSpan(4));
        s.Write(head);
        s.Write(data);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32([.. head[4..], .. data]));
        s.Write(crc);
    }

    static uint Crc32(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    /// <summary>A JPEG of the given size: a left-to-right gradient, so resizing shows.</summary>
    public static byte[] Jpeg(int w, int h)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bmp))
        using (var paint = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(w, 0), [SKColors.Black, SKColors.Orange], SKShaderTileMode.Clamp) })
            canvas.DrawRect(0, 0, w, h, paint);
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>
    /// Peak resident memory (bytes) while <paramref name="action"/> runs, above the resident memory before it;
    /// null where the kernel does not let the peak be reset (/proc/self/clear_refs).
    /// </summary>
    public static long? PeakMemoryDuring(Action action)
    {
        static long Kb(string field) => long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(field)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        GC.Collect();
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { action(); return null; }
        long before = Kb("VmRSS:");
        action();
        return (Kb("VmHWM:") - before) * 1024;
    }

    /// <summary>A 1×1 GIF89a whose only pixel is pure red.</summary>
    public static readonly byte[] RedGif =
    [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0xFF, 0, 0, 0, 0, 0,
        0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ];
}

/// <summary>A loopback HTTP server serving fixed files by URL path (404 otherwise); records the requests.</summary>
public sealed class LoopbackServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Dictionary<string, byte[]> _files;
    public List<string> Requests { get; } = [];
    public string BaseUrl { get; }

    public LoopbackServer(Dictionary<string, byte[]> files)
    {
        _files = files;
        for (int attempt = 0; ; attempt++)
        {
            int port = Random.Shared.Next(20000, 60000);
            try
            {
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                _listener.Start();
                BaseUrl = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 20) { }
        }
        _ = Task.Run(Serve);
    }

    async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); } catch { return; }
            string path = ctx.Request.Url!.AbsolutePath;
            lock (Requests) Requests.Add(path);
            if (_files.TryGetValue(path, out var body))
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentLength64 = body.Length;
                await ctx.Response.OutputStream.WriteAsync(body);
            }
            else ctx.Response.StatusCode = 404;
            ctx.Response.Close();
        }
    }

    public void Dispose() { _listener.Stop(); _listener.Close(); }
}
