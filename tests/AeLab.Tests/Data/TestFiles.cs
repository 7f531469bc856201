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
