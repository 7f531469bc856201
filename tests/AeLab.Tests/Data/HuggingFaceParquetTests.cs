using AeLab.Data;
using AeLab.Runtime;
using Parquet;
using Parquet.Schema;
using SkiaSharp;

namespace AeLab.Tests.Data;

public class HuggingFaceParquetTests
{
    /// <summary>Writes a shard laid out like the hub's image datasets: image {bytes, path} + text.</summary>
    internal static void WriteShard(string path, byte[]?[] images, string?[] captions, bool withImage = true)
    {
        var bytesField = new DataField<byte[]>("bytes");
        var pathField = new DataField<string>("path");
        var text = new DataField<string>("en_text");
        var schema = withImage ? new ParquetSchema(new StructField("image", bytesField, pathField), text) : new ParquetSchema(text);
        using var file = File.Create(path);
        var writer = ParquetWriter.CreateAsync(schema, file).GetAwaiter().GetResult();
        try
        {
            using var rg = writer.CreateRowGroup();
            if (withImage)
            {
                rg.WriteAsync(bytesField, images, null).GetAwaiter().GetResult();
                rg.WriteAsync(pathField, images.Select((_, i) => $"{i}.png").ToArray(), null).GetAwaiter().GetResult();
            }
            rg.WriteAsync(text, captions, null).GetAwaiter().GetResult();
        }
        finally { writer.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    internal static byte[][] Pngs() => [TestFiles.Png(6, 6, SKColors.Red), TestFiles.Png(6, 6, SKColors.Blue)];

    [Fact]
    public void Reads_images_and_captions_across_shards()
    {
        Lab.Init();
        using var dir = new TempDir();
        WriteShard(dir["a.parquet"], Pngs(), ["a red square", "a blue square"]);
        WriteShard(dir["b.parquet"], [TestFiles.Png(6, 6, SKColors.Lime)], ["a green square"]);
        using var ds = HuggingFaceParquet.Load([dir["a.parquet"], dir["b.parquet"]], size: 4);
        Assert.Equal(new long[] { 3, 3, 4, 4 }, ds.Images.shape);
        Assert.Equal(new[] { "a red square", "a blue square", "a green square" }, ds.Texts["en_text"]);
        Assert.Equal(1f, ds.Images[1, 2].mean().item<float>(), 3);
        Assert.Equal(1f, ds.Images[2, 1].mean().item<float>(), 3);
        using var two = HuggingFaceParquet.Load([dir["a.parquet"], dir["b.parquet"]], size: 4, limit: 2);
        Assert.Equal(2, two.Count);
        Assert.Equal(2, two.Texts["en_text"].Count);
    }

    [Fact]
    public void Downloads_from_hub_layout_once_into_the_cache()
    {
        Lab.Init();
        using var src = new TempDir();
        WriteShard(src["s.parquet"], Pngs(), ["r", "b"]);
        using var server = new LoopbackServer(new()
        {
            ["/datasets/owner/pokemon/resolve/main/data/train-00000-of-00001.parquet"] = File.ReadAllBytes(src["s.parquet"]),
        });
        using var cache = new TempDir();
        string old = HuggingFaceParquet.BaseUrl;
        HuggingFaceParquet.BaseUrl = server.BaseUrl;
        try
        {
            var paths = HuggingFaceParquet.Download("owner/pokemon", ["data/train-00000-of-00001.parquet"], cache.Path);
            Assert.Equal(Path.Combine(cache.Path, "owner", "pokemon", "data", "train-00000-of-00001.parquet"), paths[0]);
            HuggingFaceParquet.Download("owner/pokemon", ["data/train-00000-of-00001.parquet"], cache.Path);
            Assert.Single(server.Requests);
            using var ds = HuggingFaceParquet.Load(paths, 4);
            Assert.Equal(new[] { "r", "b" }, ds.Texts["en_text"]);
            var e = Assert.Throws<IOException>(() => HuggingFaceParquet.Download("owner/pokemon", ["missing.parquet"], cache.Path));
            Assert.Contains("404", e.Message);
        }
        finally { HuggingFaceParquet.BaseUrl = old; }
    }

    [Fact]
    public void Unreadable_parquet_names_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["x.parquet"], "PAR1 but not really");
        var e = Assert.Throws<DataFormatException>(() => HuggingFaceParquet.Load([dir["x.parquet"]]));
        Assert.Contains(dir["x.parquet"], e.Message);
        Assert.Contains("download the shard again", e.Message);
    }

    [Fact]
    public void Parquet_without_image_column_lists_the_columns()
    {
        using var dir = new TempDir();
        WriteShard(dir["t.parquet"], [], ["only text"], withImage: false);
        var e = Assert.Throws<DataFormatException>(() => HuggingFaceParquet.Load([dir["t.parquet"]]));
        Assert.Contains(dir["t.parquet"], e.Message);
        Assert.Contains("en_text", e.Message);
        Assert.Contains("imageColumn", e.Message);
    }
}
