using AeLab.Data;
using AeLab.Runtime;
using SkiaSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Data;

/// <summary>Image sizes are checked from the header before decoding; truncated files are errors; big JPEGs decode small.</summary>
public class ImageDecoderLimitsTests(ITestOutputHelper output)
{
    [Fact]
    public void Truncated_png_is_an_error_not_a_partial_image()
    {
        var png = NoisePng(64, 64); // incompressible: most of the file is pixel data
        foreach (int keep in new[] { png.Length * 3 / 4, png.Length / 2, 60 }) // cut inside the pixel data
        {
            var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(png[..keep], 8, $"cut{keep}.png").Dispose());
            Assert.Contains($"cut{keep}.png", e.Message);
            if (keep == png.Length / 2) output.WriteLine(e.Message);
        }
        Lab.Init();
        using var ok = ImageDecoder.Decode(png, 8, "whole.png"); // the same file, complete, still decodes
        Assert.Equal(new long[] { 3, 8, 8 }, ok.shape);
    }

    static byte[] NoisePng(int w, int h)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var random = new Random(5);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) bmp.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Fact]
    public void Header_claiming_60000_square_is_refused_before_decoding()
    {
        var png = TestFiles.GreyPng(60000, 60000, withPixels: false); // a few hundred bytes
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(png, 16, "huge.png"));
        output.WriteLine(e.Message);
        Assert.Contains("huge.png", e.Message);
        Assert.Contains("60000×60000", e.Message);
        Assert.Contains("ImageDecoder.MaxDecodedPixels", e.Message);
        Assert.Equal("huge.png", e.Path);
    }

    [Fact]
    public void Limit_is_a_setting_that_applies_to_every_loader()
    {
        Lab.Init();
        using var dir = new TempDir();
        File.WriteAllBytes(dir["a.png"], TestFiles.Png(40, 30, SKColors.Gray));
        long old = ImageDecoder.MaxDecodedPixels;
        ImageDecoder.MaxDecodedPixels = 1000;
        try
        {
            var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(dir.Path, 8));
            Assert.Contains(dir["a.png"], e.Message);
            Assert.Contains("40×30", e.Message);
        }
        finally { ImageDecoder.MaxDecodedPixels = old; }
        using var ds = ImageFolder.Load(dir.Path, 8);
        Assert.Equal(1, ds.Count);
    }

    [Fact]
    public void Big_jpeg_is_decoded_at_reduced_size_with_the_same_pixels()
    {
        Lab.Init();
        var jpeg = TestFiles.Jpeg(2000, 1200);
        using var full = ImageDecoder.Decode(jpeg, 32, "full.jpg");
        long old = ImageDecoder.ReduceAbovePixels;
        ImageDecoder.ReduceAbovePixels = 1_000_000;
        try
        {
            using var codec = SKCodec.Create(new SKMemoryStream(jpeg));
            var dims = ImageDecoder.DecodedSize(codec, 32, "big.jpg");
            Assert.Equal(new SKSizeI(250, 150), dims); // 1/8: the shorter side still ≥ 2 × 32
            using var small = ImageDecoder.Decode(jpeg, 32, "big.jpg");
            double diff = (small - full).abs().max().item<float>();
            output.WriteLine($"reduced decode differs from full decode by at most {diff:F4}");
            Assert.True(diff < 0.03, $"reduced decode differs by {diff}");
        }
        finally { ImageDecoder.ReduceAbovePixels = old; }
    }

    [Fact]
    public void Small_images_are_decoded_at_full_size_as_before()
    {
        var jpeg = TestFiles.Jpeg(640, 480);
        using var codec = SKCodec.Create(new SKMemoryStream(jpeg));
        Assert.Equal(new SKSizeI(640, 480), ImageDecoder.DecodedSize(codec, 16, "photo.jpg"));
    }

    [Fact]
    public void A_12000_px_jpeg_resized_to_64_px_does_not_take_gigabytes()
    {
        Lab.Init();
        var jpeg = TestFiles.Jpeg(12000, 12000);
        GC.Collect();
        Tensor? t = null;
        long? peak = TestFiles.PeakMemoryDuring(() => t = ImageDecoder.Decode(jpeg, 64, "photo.jpg"));
        using var image = t!;
        output.WriteLine($"peak memory while decoding a 12000×12000 JPEG to 64 px: {(peak is long p ? $"{p >> 20} MiB" : "not measurable here")}");
        Assert.Equal(new long[] { 3, 64, 64 }, image.shape);
        if (peak is long bytes) Assert.True(bytes < 200L << 20, $"decoding took {bytes >> 20} MiB");
    }

    [Fact]
    public void A_12000_px_png_decodes_within_one_copy_of_its_pixels()
    {
        Lab.Init();
        var png = TestFiles.GreyPng(12000, 12000, grey: 77); // PNG cannot be decoded at reduced size
        Tensor? t = null;
        long? peak = TestFiles.PeakMemoryDuring(() => t = ImageDecoder.Decode(png, 16, "scan.png"));
        using var image = t!;
        output.WriteLine($"peak memory while decoding a 12000×12000 PNG to 16 px: {(peak is long p ? $"{p >> 20} MiB" : "not measurable here")}");
        Assert.Equal(77 / 255f, image.mean().item<float>(), 2);
        // 576 MiB of RGBA plus its mipmaps; before, a second full copy was made (1.5 GB in all).
        if (peak is long bytes) Assert.True(bytes < 900L << 20, $"decoding took {bytes >> 20} MiB");
    }

    [Fact]
    public void Parallel_decoding_reports_the_first_bad_file_itself()
    {
        Lab.Init();
        using var dir = new TempDir();
        for (int i = 0; i < 40; i++) File.WriteAllBytes(dir[$"{i:D2}.png"], TestFiles.Png(8, 8, SKColors.Gray));
        File.WriteAllText(dir["17.png"], "not a png");
        File.WriteAllBytes(dir["31.png"], TestFiles.Png(8, 8, SKColors.Gray)[..40]);
        for (int run = 0; run < 3; run++)
        {
            var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(dir.Path, 4));
            Assert.Equal(dir["17.png"], e.Path);
        }
        var read = Assert.Throws<FileNotFoundException>(() => ImageDecoder.DecodeAll(10, i => i == 3 ? throw new FileNotFoundException("gone.png") : (TestFiles.Png(4, 4, SKColors.Red), "x"), 4));
        Assert.Equal("gone.png", read.Message);
    }
}
