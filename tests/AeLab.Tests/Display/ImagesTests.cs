using AeLab.Display;
using AeLab.Runtime;
using SkiaSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Display;

public class ImagesTests
{
    public ImagesTests() => Lab.Init();

    static SKBitmap Decode(Picture p) => SKBitmap.Decode(p.ToPng());

    static byte Grey(SKBitmap b, int x, int y)
    {
        var c = b.GetPixel(x, y);
        Assert.True(c.Red == c.Green && c.Green == c.Blue, $"pixel ({x},{y}) is not grey: {c}");
        return c.Red;
    }

    // Image i is filled with the value (i+1)/10 so each cell is identifiable.
    static Tensor Constants(int n, int h, int w) =>
        stack(Enumerable.Range(0, n).Select(i => full(new long[] { 1, h, w }, (i + 1) / 10f)).ToArray());

    [Fact]
    public void Grid_places_images_row_major_with_padding_like_make_grid()
    {
        using var x = Constants(5, 3, 4);
        var p = Images.Grid(x, nrow: 3, padding: 2);
        // make_grid: width = pad + cols*(W+pad), height = pad + rows*(H+pad)
        Assert.Equal((2 + 3 * 6, 2 + 2 * 5), (p.Width, p.Height));
        using var b = Decode(p);
        for (var i = 0; i < 5; i++)
        {
            int x0 = 2 + (i % 3) * 6, y0 = 2 + (i / 3) * 5;
            var expected = (byte)Math.Floor((i + 1) / 10f * 255 + 0.5);
            for (var y = 0; y < 3; y++)
                for (var xx = 0; xx < 4; xx++)
                    Assert.Equal(expected, Grey(b, x0 + xx, y0 + y));
            Assert.Equal(0, Grey(b, x0 - 1, y0)); // padding left of each cell
            Assert.Equal(0, Grey(b, x0, y0 - 1)); // padding above
        }
        Assert.Equal(0, Grey(b, 2 + 2 * 6 + 1, 2 + 5 + 1)); // the empty sixth cell stays padding
    }

    [Fact]
    public void Grid_maps_zero_one_and_minus_one_one_to_the_same_bytes_and_clamps()
    {
        using var v01 = tensor(new float[] { -0.5f, 0f, 0.25f, 0.5f, 1f, 2f }).reshape(1, 6);
        using var v11 = v01 * 2 - 1;
        byte[] expected = [0, 0, 64, 128, 255, 255]; // floor(v*255+0.5), clamped
        foreach (var (t, range) in new[] { (v01, PixelRange.ZeroOne), (v11, PixelRange.MinusOneOne) })
        {
            using var b = Decode(Images.Grid(t, range: range, padding: 0));
            Assert.Equal((6, 1), (b.Width, b.Height));
            Assert.Equal(expected, Enumerable.Range(0, 6).Select(i => Grey(b, i, 0)).ToArray());
        }
    }

    [Fact]
    public void Grid_keeps_rgb_channels_and_upscales_by_nearest_neighbour()
    {
        using var rgb = tensor(new float[] { 1, 0, 0, 0.5f, 0, 1 }).reshape(3, 1, 2); // [C=3,H=1,W=2]
        var p = Images.Grid(rgb, padding: 1, padValue: 1f, scale: 3);
        Assert.Equal(((1 + 2 + 1) * 3, (1 + 1 + 1) * 3), (p.Width, p.Height));
        using var b = Decode(p);
        // channels: R = [1, 0], G = [0, 0.5], B = [0, 1]
        Assert.Equal(new SKColor(255, 0, 0), b.GetPixel(3, 3));
        Assert.Equal(new SKColor(255, 0, 0), b.GetPixel(5, 5));
        Assert.Equal(new SKColor(0, 128, 255), b.GetPixel(6, 3));
        Assert.Equal(new SKColor(0, 128, 255), b.GetPixel(8, 5));
        Assert.Equal(new SKColor(255, 255, 255), b.GetPixel(0, 0)); // white padding
    }

    [Fact]
    public void Grid_rejects_wrong_shapes_naming_the_argument()
    {
        using var x = zeros(2, 5, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => Images.Grid(x));
        Assert.Contains("images", e.Message);
        Assert.Contains("[2,5,4,4]", e.Message);
    }

    [Fact]
    public void Compare_interleaves_original_and_reconstruction_rows_next_to_labels()
    {
        using var a = ones(3, 1, 4, 4);
        using var r = zeros(3, 1, 4, 4);
        var p = Images.Compare(a, r, nrow: 2, padding: 2, scale: 1);
        using var b = Decode(p);
        // Grid part: 4 rows (orig, recon, orig, recon) x 2 columns, right-aligned after the label strip.
        int gridW = 2 + 2 * 6, gridH = 2 + 4 * 6, left = p.Width - gridW;
        Assert.Equal(gridH, p.Height);
        Assert.True(left > 20, $"label strip is {left} px wide");
        Assert.Equal(255, Grey(b, left + 2, 2));          // original row 0
        Assert.Equal(0, Grey(b, left + 2, 2 + 6));        // reconstruction row 1
        Assert.Equal(255, Grey(b, left + 2, 2 + 12));     // original row 2 (third image)
        Assert.Equal(0, Grey(b, left + 2 + 6, 2 + 12));   // no fourth image: padding
        var dark = 0;
        for (var y = 0; y < p.Height; y++)
            for (var x = 0; x < left; x++)
                if (b.GetPixel(x, y).Red < 128) dark++;
        Assert.True(dark > 20, "row labels were drawn");
    }

    [Theory]
    [InlineData(28, 10, 2)]   // Fashion-MNIST, ten per row: 10·30·2 = 600 px
    [InlineData(64, 8, 1)]    // 64-px Pokémon, eight per row: scale 2 would be 1056 px
    [InlineData(64, 4, 2)]    // four per row fit at 2, and 128 px high is the cap
    [InlineData(8, 4, 4)]     // tiny images: at most 4×
    public void Compare_picks_a_scale_that_fits_the_page(int size, int nrow, int expected)
    {
        using var a = ones(nrow, 1, size, size);
        var p = Images.Compare(a, a, nrow: nrow);
        var gridW = (2 + nrow * (size + 2)) * expected;
        Assert.True(p.Width > gridW && p.Width < gridW + 200, $"width {p.Width} for a grid of {gridW} px plus labels");
        Assert.Equal((2 + 2 * (size + 2)) * expected, p.Height);
    }

    [Fact]
    public void Compare_rejects_shape_mismatch()
    {
        using var a = ones(3, 1, 4, 4);
        using var r = zeros(3, 16);
        Assert.Throws<ArgumentException>(() => Images.Compare(a, r));
    }

    // The top-left pixel of the map: the first pixel, row by row, with the colour of the minimum.
    static (int X, int Y) Find(SKBitmap b, SKColor colour)
    {
        for (var y = 0; y < b.Height; y++)
            for (var x = 0; x < b.Width; x++)
                if (b.GetPixel(x, y) == colour) return (x, y);
        throw new Xunit.Sdk.XunitException($"no pixel of colour {colour}");
    }

    static int Dark(SKBitmap b, int x0, int y0, int x1, int y1)
    {
        int n = 0;
        for (var y = Math.Max(0, y0); y < Math.Min(b.Height, y1); y++)
            for (var x = Math.Max(0, x0); x < Math.Min(b.Width, x1); x++)
                if (b.GetPixel(x, y).Red < 128 && b.GetPixel(x, y).Green < 128) n++;
        return n;
    }

    [Fact]
    public void HeatMap_draws_low_to_high_colours_axes_and_a_labelled_colour_bar()
    {
        using var v = arange(0f, 16f).reshape(4, 4);
        var p = Images.HeatMap(v, colorbar: true, scale: 10);
        using var b = Decode(p);
        var (mx, my) = Find(b, new SKColor(68, 1, 84));                                     // minimum: dark purple, top left
        Assert.Equal(new SKColor(253, 231, 37), b.GetPixel(mx + 39, my + 39));           // maximum: yellow, bottom right
        int barX = mx + 40 + 10 + 7;
        var top = b.GetPixel(barX, my + 1);      // bar top = high: yellow
        var bottom = b.GetPixel(barX, my + 38);  // bar bottom = low: dark purple
        Assert.True(top.Red > 220 && top.Green > 220 && top.Blue < 60, $"bar top {top}");
        Assert.True(bottom.Red < 80 && bottom.Green < 20 && bottom.Blue > 70, $"bar bottom {bottom}");
        Assert.True(Dark(b, barX + 10, 0, p.Width, p.Height) > 30, "colour-bar tick labels were drawn");
        Assert.True(Dark(b, mx, my + 41, mx + 40, p.Height) > 10, "x-axis ticks and labels under the map");
        Assert.True(Dark(b, 0, my, mx - 1, my + 40) > 10, "y-axis ticks and labels left of the map");
        var plain = Images.HeatMap(v, colorbar: false, scale: 10);
        Assert.True(plain.Width < p.Width);
        Assert.Equal(p.Height, plain.Height);
        var titled = Images.HeatMap(v, colorbar: false, scale: 10, xTitle: "μ", yTitle: "σ", x: (-3, 3), y: (3, 0.05));
        Assert.True(titled.Height > plain.Height && titled.Width > plain.Width, "axis titles take room");
    }

    [Fact]
    public void HeatMap_of_channels_shares_one_scale()
    {
        using var v = stack(new[] { zeros(2, 2), ones(2, 2) });
        var p = Images.HeatMap(v, colorbar: false, scale: 1);
        using var b = Decode(p);
        var (mx, my) = Find(b, new SKColor(68, 1, 84));
        Assert.Equal(new SKColor(68, 1, 84), b.GetPixel(mx + 1, my + 1));
        Assert.Equal(new SKColor(253, 231, 37), b.GetPixel(mx + 4, my));    // second panel, two cells further
    }

    [Fact]
    public void Rows_puts_each_batch_on_its_own_labelled_row()
    {
        using var a = Constants(3, 4, 4);
        using var b = Constants(2, 4, 4) * 0 + 1;
        var p = Images.Rows([("first", a), ("second", b)], padding: 2, scale: 1);
        int gridW = 2 + 3 * 6;   // the longest row sets the width
        Assert.Equal(2 + 2 * 6, p.Height);
        Assert.True(p.Width > gridW, "labels sit left of the grid");
        using var bmp = Decode(p);
        int x0 = p.Width - gridW;
        Assert.Equal((byte)Math.Floor(0.1f * 255 + 0.5), Grey(bmp, x0 + 2, 2));        // row 1, image 1
        Assert.Equal(255, Grey(bmp, x0 + 2, 2 + 6));                                   // row 2, image 1 (all ones)
        Assert.Equal(0, Grey(bmp, x0 + 2 + 2 * 6, 2 + 6));                             // row 2 has no third image
        Assert.Throws<ArgumentException>(() => Images.Rows([("a", a), ("b", zeros(1, 1, 5, 5))]));
    }

    [Fact]
    public void Panels_wrap_to_stay_within_the_width()
    {
        using var x = Constants(4, 10, 10);
        var panels = Enumerable.Range(0, 5).Select(i => ($"model {i}", x)).ToArray();
        var wide = Images.Panels(panels, nrow: 2, maxWidth: 2000);
        var narrow = Images.Panels(panels, nrow: 2, maxWidth: 100);
        Assert.True(wide.Width <= 2000 && narrow.Width <= 100, $"{wide.Width}, {narrow.Width}");
        Assert.True(narrow.Height > 2 * wide.Height, "narrow panels stack on more lines");
        Assert.Throws<ArgumentException>(() => Images.Panels(Array.Empty<(string, Tensor)>()));
    }
}
