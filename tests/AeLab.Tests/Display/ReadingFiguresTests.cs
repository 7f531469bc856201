using AeLab.Display;
using SkiaSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Display;

/// <summary>The figures and texts the lessons' reading cells print: images on axes, row blocks, titled heat maps, matrices.</summary>
public class ReadingFiguresTests
{
    public ReadingFiguresTests() => Lab.Init();

    static Tensor Constants(int n, int size = 4) =>
        stack(Enumerable.Range(0, n).Select(i => full(new long[] { 1, size, size }, (i + 1f) / (n + 1))).ToArray());

    [Fact]
    public void GridOnAxes_draws_every_image_at_its_scale_with_room_for_the_axes()
    {
        using var x = Constants(6);
        var p = AeLab.Display.Images.GridOnAxes(x, new[] { -1.0, 0.0, 1.0 }, new[] { 0.5, -0.5 }, "z1", "z2", scale: 2);
        // The grid alone is (2 + 3·6)·2 = 40 wide and (2 + 2·6)·2 = 28 high; ticks and titles add margins on every side.
        Assert.True(p.Width > 40 + 20 && p.Height > 28 + 30, $"{p.Width}×{p.Height}");
        using var b = SKBitmap.Decode(p.ToPng());
        // Somewhere in the picture the brightest image (6/7) appears: the images are drawn.
        var expected = (byte)Math.Floor(6f / 7 * 255 + 0.5);
        Assert.Contains(Enumerable.Range(0, b.Width).SelectMany(i => Enumerable.Range(0, b.Height).Select(j => b.GetPixel(i, j).Red)), v => v == expected);
    }

    [Fact]
    public void GridOnAxes_needs_one_image_per_cell()
    {
        using var x = Constants(5);
        var e = Assert.Throws<ArgumentException>(() => AeLab.Display.Images.GridOnAxes(x, new[] { 0.0, 1.0, 2.0 }, new[] { 0.0, 1.0 }, "x", "y"));
        Assert.Contains("5 images for 3 columns × 2 rows", e.Message);
        Assert.Equal("images", e.ParamName);
    }

    [Fact]
    public void RowsInBlocks_keeps_columns_aligned_and_numbers_the_blocks()
    {
        using var a = Constants(10);
        using var b = Constants(10);
        var blocked = AeLab.Display.Images.RowsInBlocks(new[] { ("a", a), ("b", b) }, perBlock: 4, padding: 2, scale: 1);
        var plain = AeLab.Display.Images.Rows(new[] { ("a 1–4", a.narrow(0, 0, 4)), ("b 1–4", b.narrow(0, 0, 4)), ("a 5–8", a.narrow(0, 4, 4)),
            ("b 5–8", b.narrow(0, 4, 4)), ("a 9–10", a.narrow(0, 8, 2)), ("b 9–10", b.narrow(0, 8, 2)) }, padding: 2, scale: 1);
        Assert.Equal(plain.ToPng(), blocked.ToPng());
        // Rows no longer than a block keep their own labels.
        var single = AeLab.Display.Images.RowsInBlocks(new[] { ("a", a.narrow(0, 0, 3)) }, perBlock: 4, scale: 1);
        Assert.Equal(AeLab.Display.Images.Rows(new[] { ("a", a.narrow(0, 0, 3)) }, scale: 1).ToPng(), single.ToPng());
        Assert.Throws<ArgumentOutOfRangeException>(() => AeLab.Display.Images.RowsInBlocks(new[] { ("a", a) }, perBlock: 0));
    }

    [Fact]
    public void HeatMap_titles_sit_above_the_panels_and_must_match_them()
    {
        using var v = rand(2, 5, 5);
        var untitled = AeLab.Display.Images.HeatMap(v, scale: 10);
        var titled = AeLab.Display.Images.HeatMap(v, scale: 10, titles: new[] { "a title much wider than its fifty-pixel panel", "b" });
        Assert.True(titled.Height > untitled.Height);
        Assert.True(titled.Width > untitled.Width, "a title wider than its panel widens the picture instead of being cut off");
        var e = Assert.Throws<ArgumentException>(() => AeLab.Display.Images.HeatMap(v, titles: new[] { "only one" }));
        Assert.Equal("titles", e.ParamName);
    }

    [Fact]
    public void MatrixText_aligns_the_values_of_each_row()
    {
        using var m = tensor(new float[,] { { 1, 0.5f }, { -10, 2 } });
        Assert.Equal("  [   1.000,   0.500 ]\n  [ -10.000,   2.000 ]", MatrixText.Of(m));
        Assert.Throws<ArgumentException>(() => MatrixText.Of(zeros(2, 2, 2)));
    }
}
