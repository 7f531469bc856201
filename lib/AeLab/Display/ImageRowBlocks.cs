using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Display;

public static partial class Images
{
    /// <summary>
    /// Labelled rows of images (as <see cref="Rows"/>) cut into blocks of <paramref name="perBlock"/> columns, so that a
    /// comparison of many small images stays narrow enough to show them enlarged: the first block of every row, then the
    /// second block of every row, and so on, each row of a block labelled (the label names the block's images, e.g.
    /// "validation 1–8"). Image i of every row stays in the same column, so the rows stay aligned.
    /// </summary>
    /// <param name="rows">(label, images [N,C,H,W]) per row.</param>
    /// <param name="perBlock">Images per row of the picture.</param>
    /// <param name="scale">Integer upscale (2 shows 28-pixel images at 56 pixels).</param>
    public static Picture RowsInBlocks(IEnumerable<(string Label, Tensor Images)> rows, int perBlock = 8,
        PixelRange range = PixelRange.ZeroOne, int padding = 2, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (perBlock < 1) throw new ArgumentOutOfRangeException(nameof(perBlock), perBlock, "perBlock must be 1 or more.");
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be 1 or more.");
        var list = rows.ToList();
        if (list.Count == 0) throw new ArgumentException("RowsInBlocks: give at least one row.", nameof(rows));
        long longest = list.Max(r => r.Images.shape[0]);
        var blocks = new List<(string, Tensor)>();
        for (long start = 0; start < longest; start += perBlock)
            foreach (var (label, images) in list)
            {
                if (start >= images.shape[0]) continue;
                long count = Math.Min(perBlock, images.shape[0] - start);
                var name = longest <= perBlock ? label : $"{label} {start + 1}–{start + count}";
                blocks.Add((name, images.narrow(0, start, count)));
            }
        return Rows(blocks, range, padding, scale);
    }
}
