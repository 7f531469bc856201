using AeLab.Display;

namespace AeLab.Tests.Display;

public class LegendTests
{
    [Fact]
    public void A_long_series_name_fits_in_the_still_picture()
    {
        const string name = "w_d·λ (adaptive weight × 0.8) of the VQ-GAN";   // longer than the old fixed margin held
        var plot = Plots.Lines(new Dictionary<string, IReadOnlyList<double>> { [name] = new[] { 1.0, 2, 3 }, ["short"] = new[] { 3.0, 2, 1 } });
        using var bitmap = SkiaSharp.SKBitmap.Decode(plot.ToPicture().ToPng());
        // The legend's text ends before the picture does: its last columns stay white.
        for (int x = bitmap.Width - 4; x < bitmap.Width; x++)
            for (int y = 0; y < bitmap.Height; y++)
                Assert.True(bitmap.GetPixel(x, y) == SkiaSharp.SKColors.White, $"ink at ({x}, {y}): the legend runs off the picture");
    }
}
