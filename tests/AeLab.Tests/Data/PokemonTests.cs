using AeLab.Data;
using AeLab.Runtime;
using SkiaSharp;

namespace AeLab.Tests.Data;

public class PokemonTests
{
    [Fact]
    public void Built_set_splits_600_and_149_in_pokedex_order()
    {
        string dir = Path.Combine(Course.DataFolder, "pokemon", "64");
        if (!Directory.Exists(dir)) return; // built by: bash data/pokemon.sh 64
        Lab.Init();
        using var train = Pokemon.Load(64, "train");
        using var val = Pokemon.Load(64, "val");
        Assert.Equal(600, train.Count);
        Assert.Equal(149, val.Count);
        Assert.Equal(new long[] { 600, 3, 64, 64 }, train.Images.shape);
        // White background: the top-left pixel is white in almost every image.
        Assert.True(train.Images[.., .., 0, 0].mean().item<float>() > 0.95f);
    }

    [Fact]
    public void Order_is_numeric_with_base_form_first()
    {
        var files = new[] { "010.png", "201-b.png", "201.png", "201-a.png", "009.png", "100.png" };
        Assert.Equal(new[] { "009.png", "010.png", "100.png", "201.png", "201-a.png", "201-b.png" }, Pokemon.Ordered(files));
    }

    [Fact]
    public void Missing_size_is_resized_from_the_largest_one()
    {
        Lab.Init();
        using var root = new TempDir();
        foreach (var size in new[] { 16, 32 })
        {
            Directory.CreateDirectory(root[size.ToString()]);
            for (int i = 1; i <= 3; i++)
                File.WriteAllBytes(Path.Combine(root[size.ToString()], $"{i:000}.png"), TestFiles.Png(size, size, size == 32 ? SKColors.Red : SKColors.Blue));
        }
        using var ds = Pokemon.Load(8, "all", root.Path);
        Assert.Equal(new long[] { 3, 3, 8, 8 }, ds.Images.shape);
        Assert.Equal(1f, ds.Images[0, 0].mean().item<float>(), 3); // red: from the 32 px folder
        Assert.Contains("32", ds.Source);
    }

    [Fact]
    public void One_image_is_the_one_the_split_holds_at_that_index()
    {
        Lab.Init();
        using var root = new TempDir();
        Directory.CreateDirectory(root["16"]);
        var colours = new[] { SKColors.Red, SKColors.Lime, SKColors.Blue };
        for (int i = 1; i <= 3; i++) File.WriteAllBytes(Path.Combine(root["16"], $"{i:000}.png"), TestFiles.Png(16, 16, colours[i - 1]));
        using var all = Pokemon.Load(8, "all", root.Path);
        using var one = Pokemon.LoadOne(2, 8, "all", root.Path);
        Assert.Equal(new long[] { 1, 3, 8, 8 }, one.shape);
        Assert.True(one[0].equal(all.Images[2]).all().item<bool>());
        Assert.Equal(1f, one[0, 2].mean().item<float>(), 3); // blue
        Assert.Throws<ArgumentOutOfRangeException>(() => Pokemon.LoadOne(3, 8, "all", root.Path));
    }

    [Fact]
    public void Not_built_tells_the_command()
    {
        using var root = new TempDir();
        var e = Assert.Throws<DirectoryNotFoundException>(() => Pokemon.Load(96, "train", root.Path));
        Assert.Contains("bash data/pokemon.sh 96", e.Message);
    }

    [Fact]
    public void Unknown_split_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Pokemon.Load(64, "test"));
        Assert.Contains("\"train\", \"val\" or \"all\"", e.Message);
    }
}

/// <summary>A split that would come out empty or mixed up says why instead.</summary>
public class PokemonSplitTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static TempDir Built(int count, Func<int, string>? name = null)
    {
        var root = new TempDir();
        Directory.CreateDirectory(root["16"]);
        var png = TestFiles.Png(16, 16, SKColors.Red);
        for (int i = 1; i <= count; i++) File.WriteAllBytes(Path.Combine(root["16"], name?.Invoke(i) ?? $"{i:000}.png"), png);
        return root;
    }

    [Theory]
    [InlineData("val")]
    [InlineData("train")]
    public void Fewer_than_600_images_is_an_error_that_says_what_was_found(string split)
    {
        using var root = Built(5);
        var e = Assert.Throws<DataFormatException>(() => Pokemon.Load(16, split, root.Path));
        output.WriteLine(e.Message);
        Assert.Contains(root["16"], e.Message);
        Assert.Contains("holds 5 Pokémon images", e.Message);
        Assert.Contains("more than 600", e.Message);
        Assert.Contains("bash data/pokemon.sh 16", e.Message);
        Lab.Init();
        using var all = Pokemon.Load(16, "all", root.Path); // the whole folder is still there to use
        Assert.Equal(5, all.Count);
    }

    [Fact]
    public void Files_not_named_by_pokedex_id_are_listed()
    {
        using var root = Built(3, i => $"pikachu{i}.png");
        var e = Assert.Throws<DataFormatException>(() => Pokemon.Load(16, "all", root.Path));
        output.WriteLine(e.Message);
        Assert.Contains("3 of 3 PNG files are not named by Pokédex id", e.Message);
        Assert.Contains("pikachu1.png", e.Message);
        Assert.Contains("ImageFolder.Load", e.Message);
    }
}
