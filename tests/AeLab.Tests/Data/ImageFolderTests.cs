using AeLab.Data;
using AeLab.Runtime;
using SkiaSharp;

namespace AeLab.Tests.Data;

public class ImageFolderTests
{
    [Fact]
    public void Transparent_png_is_flattened_on_white_and_gif_first_frame_read()
    {
        Lab.Init();
        using var dir = new TempDir();
        File.WriteAllBytes(dir["a.png"], TestFiles.Png(10, 20, new SKColor(0, 0, 255, 0)));   // fully transparent
        File.WriteAllBytes(dir["b.png"], TestFiles.Png(30, 10, new SKColor(0, 128, 0, 255))); // opaque green, wide
        File.WriteAllBytes(dir["c.gif"], TestFiles.RedGif);
        File.WriteAllText(dir["notes.txt"], "not an image, ignored by extension");
        using var ds = ImageFolder.Load(dir.Path, size: 8);
        Assert.Equal(new long[] { 3, 3, 8, 8 }, ds.Images.shape);
        Assert.Null(ds.Labels);
        Assert.Equal(1f, ds.Images[0].min().item<float>(), 3);                 // white
        Assert.Equal(128 / 255f, ds.Images[1, 1].mean().item<float>(), 2);     // centre-cropped, no white bars
        Assert.Equal(0f, ds.Images[1, 0].max().item<float>(), 3);
        Assert.Equal(1f, ds.Images[2, 0].mean().item<float>(), 3);             // red
        Assert.Equal(0f, ds.Images[2, 1].mean().item<float>(), 3);
    }

    [Fact]
    public void Many_images_decoded_in_parallel_land_in_their_own_rows()
    {
        Lab.Init();
        using var dir = new TempDir();
        for (int i = 0; i < 300; i++) // more images than cores, each with its own colour
            File.WriteAllBytes(dir[$"{i:D3}.png"], TestFiles.Png(12 + i % 5, 9, new SKColor((byte)i, (byte)(255 - i % 256), (byte)(i * 7), 255)));
        for (int run = 0; run < 5; run++) // the old parallel path failed intermittently, so repeat
        {
            using var ds = ImageFolder.Load(dir.Path, size: 6);
            Assert.Equal(new long[] { 300, 3, 6, 6 }, ds.Images.shape);
            for (int i = 0; i < 300; i += 37)
            {
                using var one = ImageDecoder.Decode(File.ReadAllBytes(dir[$"{i:D3}.png"]), 6, "one");
                using var row = ds.Images[i];
                Assert.Equal(0f, (row - one).abs().max().item<float>());
                Assert.Equal((byte)i / 255f, row[0].mean().item<float>(), 3);
            }
        }
    }

    [Fact]
    public void Sub_folders_become_classes()
    {
        Lab.Init();
        using var dir = new TempDir();
        foreach (var (cls, n) in new[] { ("cats", 2), ("dogs", 1) })
        {
            Directory.CreateDirectory(dir[cls]);
            for (int i = 0; i < n; i++) File.WriteAllBytes(Path.Combine(dir[cls], $"{i}.png"), TestFiles.Png(4, 4, SKColors.Gray));
        }
        using var ds = ImageFolder.Load(dir.Path, 4);
        Assert.Equal(new[] { "cats", "dogs" }, ds.ClassNames);
        Assert.Equal(new long[] { 0, 0, 1 }, ds.Labels!.data<long>().ToArray());
    }

    [Fact]
    public void Missing_folder_names_it()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Load("/no/such/folder", 8));
        Assert.Contains("/no/such/folder", e.Message);
        Assert.Contains("Pass the folder", e.Message);
    }

    [Fact]
    public void Empty_folder_names_it()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["readme.txt"], "x");
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(dir.Path, 8));
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("no PNG, JPEG or GIF", e.Message);
    }

    [Fact]
    public void File_that_is_not_an_image_is_named()
    {
        Lab.Init();
        using var dir = new TempDir();
        File.WriteAllBytes(dir["good.png"], TestFiles.Png(4, 4, SKColors.Gray));
        File.WriteAllText(dir["bad.png"], "this is text, not a PNG");
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(dir.Path, 8)); // not wrapped in an AggregateException
        Assert.Contains(dir["bad.png"], e.Message);
        Assert.Contains("Remove it", e.Message);
        Assert.Equal(dir["bad.png"], e.Path);
    }
}

public class ImageFolderArgumentTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Limit_below_one_is_named(int limit)
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["a.png"], TestFiles.Png(4, 4, SKColors.Gray));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolder.Load(dir.Path, 8, limit: limit));
        output.WriteLine(e.Message);
        Assert.Equal("limit", e.ParamName);
        Assert.Contains($"got {limit}", e.Message);
        Assert.Contains("leave it out", e.Message);
    }
}
