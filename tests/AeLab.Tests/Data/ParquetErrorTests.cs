using AeLab.Data;
using AeLab.Runtime;
using SkiaSharp;
using Xunit.Abstractions;

namespace AeLab.Tests.Data;

/// <summary>Damaged or unusual parquet shards are named by file, row and column; settings are checked.</summary>
public class ParquetErrorTests(ITestOutputHelper output)
{
    static byte[][] Three() => [TestFiles.Png(6, 6, SKColors.Red), TestFiles.Png(6, 6, SKColors.Lime), TestFiles.Png(6, 6, SKColors.Blue)];

    [Fact]
    public void A_null_image_is_blamed_on_its_own_row()
    {
        Lab.Init();
        using var dir = new TempDir();
        var images = Three();
        HuggingFaceParquetTests.WriteShard(dir["n.parquet"], [images[0], null, images[2]], ["red", "none", "blue"]);
        var e = Assert.Throws<DataFormatException>(() => HuggingFaceParquet.Load([dir["n.parquet"]], 4));
        output.WriteLine(e.Message);
        Assert.Contains(dir["n.parquet"], e.Message);
        Assert.Contains("row 1 (counting from 0) has no image", e.Message);
    }

    [Fact]
    public void Rows_are_counted_within_each_file_and_captions_stay_aligned()
    {
        Lab.Init();
        using var dir = new TempDir();
        HuggingFaceParquetTests.WriteShard(dir["a.parquet"], Three(), ["red", null, "blue"]);
        HuggingFaceParquetTests.WriteShard(dir["b.parquet"], [TestFiles.Png(6, 6, SKColors.Red), new byte[] { 1, 2, 3 }], ["red", "junk"]);
        var e = Assert.Throws<DataFormatException>(() => HuggingFaceParquet.Load([dir["a.parquet"], dir["b.parquet"]], 4));
        Assert.Contains($"{dir["b.parquet"]} (row 1)", e.Message); // not row 4 of the whole set

        using var ds = HuggingFaceParquet.Load([dir["a.parquet"]], 4);
        Assert.Equal(new string?[] { "red", null, "blue" }, ds.Texts["en_text"]); // a null caption is kept, in its row
        Assert.Equal(1f, ds.Images[1, 1].mean().item<float>(), 3); // lime in row 1
    }

    [Fact]
    public void A_damaged_data_page_names_the_file_and_the_column()
    {
        Lab.Init();
        using var dir = new TempDir();
        HuggingFaceParquetTests.WriteShard(dir["p.parquet"], Three(), ["r", "g", "b"]);
        var bytes = File.ReadAllBytes(dir["p.parquet"]);
        int png = bytes.AsSpan().IndexOf(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });
        Assert.True(png > 8);
        bytes.AsSpan(png - 4, 4).Fill(0xFF); // the compressed page's own framing just before the first image
        File.WriteAllBytes(dir["p.parquet"], bytes);
        var e = Assert.Throws<DataFormatException>(() => HuggingFaceParquet.Load([dir["p.parquet"]], 4));
        output.WriteLine(e.Message);
        Assert.Contains(dir["p.parquet"], e.Message);
        Assert.Contains("download the shard again", e.Message);
    }

    [Fact]
    public void Any_damaged_byte_gives_a_named_error_or_a_valid_load()
    {
        Lab.Init();
        using var dir = new TempDir();
        HuggingFaceParquetTests.WriteShard(dir["s.parquet"], Three(), ["r", "g", "b"]);
        var good = File.ReadAllBytes(dir["s.parquet"]);
        // Every byte of the pages; not the footer (the file's last 8 + footer-length bytes), where some damage
        // makes Parquet.Net 6.1 itself loop forever before any of the library's code runs.
        int footer = BitConverter.ToInt32(good, good.Length - 8) + 8;
        int refused = 0, tried = good.Length - footer;
        for (int at = 0; at < tried; at++)
        {
            var bytes = (byte[])good.Clone();
            bytes[at] ^= 0xA5;
            File.WriteAllBytes(dir["s.parquet"], bytes);
            var load = Task.Run(() =>
            {
                using var ds = HuggingFaceParquet.Load([dir["s.parquet"]], 4);
                return ds.Count;
            });
            Assert.True(Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))).Result == load, $"reading with byte {at} changed hung");
            if (load.Exception?.InnerException is { } error)
            {
                var e = Assert.IsType<DataFormatException>(error);
                Assert.Contains(dir["s.parquet"], e.Message);
                refused++;
            }
            else Assert.True(load.Result == 3, $"byte {at} changed: {load.Result} rows loaded");
        }
        output.WriteLine($"{refused} of {tried} single-byte changes refused, the rest loaded");
        Assert.True(refused > tried / 4);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Limit_below_one_is_named(int limit)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => HuggingFaceParquet.Load(["x.parquet"], 4, limit: limit));
        Assert.Equal("limit", e.ParamName);
    }

    [Fact]
    public void Base_url_variable_that_is_not_a_url_is_named()
    {
        var old = Environment.GetEnvironmentVariable(HuggingFaceParquet.BaseUrlVariable);
        Environment.SetEnvironmentVariable(HuggingFaceParquet.BaseUrlVariable, "not a url");
        HuggingFaceParquet.BaseUrl = null; // no override: the variable decides
        try
        {
            using var cache = new TempDir();
            var e = Assert.Throws<SettingException>(() => HuggingFaceParquet.Download("owner/name", ["a.parquet"], cache.Path));
            output.WriteLine(e.Message);
            Assert.Equal(HuggingFaceParquet.BaseUrlVariable, e.Setting.Split(' ').Last());
            HuggingFaceParquet.BaseUrl = "still not a url";
            var p = Assert.Throws<SettingException>(() => HuggingFaceParquet.Download("owner/name", ["a.parquet"], cache.Path));
            Assert.Contains("HuggingFaceParquet.BaseUrl is \"still not a url\"", p.Message);
            HuggingFaceParquet.BaseUrl = null;
            Assert.Contains("the environment variable AELAB_HF_BASE_URL is \"not a url\"", e.Message);
            Assert.Contains("https://", e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(cache.Path));
        }
        finally { Environment.SetEnvironmentVariable(HuggingFaceParquet.BaseUrlVariable, old); }
    }

    [Fact]
    public void Base_url_argument_that_is_not_a_url_is_named()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<SettingException>(() => FashionMnist.Download(dir.Path, baseUrl: "ftp//mirror"));
        Assert.Equal("baseUrl", e.Setting);
        Assert.Contains("baseUrl is \"ftp//mirror\"", e.Message);
    }
}
