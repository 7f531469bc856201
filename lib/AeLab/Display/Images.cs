using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Display;

/// <summary>Turns image tensors into pictures: grids, originals vs reconstructions, heat maps.</summary>
public static partial class Images
{
    /// <summary>
    /// One image [C,H,W] or [H,W], or a batch [N,C,H,W], as a grid with <paramref name="nrow"/> images
    /// per row and <paramref name="padding"/> pixels between and around them (like torchvision's make_grid).
    /// C must be 1 (grey) or 3 (RGB). Values outside the range are clamped.
    /// </summary>
    /// <param name="images">The tensor (any device, any float type).</param>
    /// <param name="nrow">Images per row.</param>
    /// <param name="range">Value range of the tensor.</param>
    /// <param name="padding">Pixels between images (before upscaling).</param>
    /// <param name="padValue">Brightness of the padding, 0 (black) to 1 (white).</param>
    /// <param name="scale">Integer nearest-neighbour upscale so small images are visible.</param>
    public static Picture Grid(Tensor images, int nrow = 8, PixelRange range = PixelRange.ZeroOne,
        int padding = 2, float padValue = 0f, int scale = 1)
    {
        var batch = ImageBatch.From(images, nameof(images));
        var cells = Enumerable.Range(0, batch.N).Select(i => (int?)i).ToList();
        return Layout(batch, cells, nrow, padding, padValue, range).Upscale(scale).ToPicture();
    }

    /// <summary>
    /// Originals and their reconstructions: for each group of <paramref name="nrow"/> images, a row of
    /// originals then a row of reconstructions, each row labelled on the left.
    /// </summary>
    /// <param name="scale">Integer upscale; 0 picks the largest (at most 4, images at most 128 pixels high) that keeps the grid within 800 pixels wide.</param>
    public static Picture Compare(Tensor originals, Tensor reconstructions,
        (string Original, string Reconstruction)? rowLabels = null, int nrow = 8,
        PixelRange range = PixelRange.ZeroOne, int padding = 2, int scale = 0)
    {
        var a = ImageBatch.From(originals, nameof(originals));
        var b = ImageBatch.From(reconstructions, nameof(reconstructions));
        if (a.N != b.N || a.C != b.C || a.H != b.H || a.W != b.W)
            throw new ArgumentException(
                $"Compare: originals [{a.N},{a.C},{a.H},{a.W}] and reconstructions [{b.N},{b.C},{b.H},{b.W}] must have the same shape; " +
                "reshape the reconstruction to the input's shape (e.g. recon.view(x.shape)).", nameof(reconstructions));
        if (nrow < 1) throw new ArgumentOutOfRangeException(nameof(nrow), nrow, "nrow must be 1 or more.");
        if (scale < 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be 0 (automatic) or more.");
        if (scale == 0) scale = Math.Clamp(Math.Min(800 / (Math.Min(nrow, a.N) * (a.W + padding)), 128 / a.H), 1, 4);
        var both = new ImageBatch(a.N * 2, a.C, a.H, a.W, [.. a.Data, .. b.Data]);
        var cells = new List<int?>();
        var cols = Math.Min(nrow, a.N);
        for (var start = 0; start < a.N; start += cols)
            foreach (var offset in new[] { 0, a.N })
                for (var k = 0; k < cols; k++)
                    cells.Add(start + k < a.N ? offset + start + k : null);
        var grid = Layout(both, cells, cols, padding, 0f, range).Upscale(scale);
        var (top, bottom) = rowLabels ?? ("original", "reconstruction");
        var rows = cells.Count / cols;
        var labels = Enumerable.Range(0, rows).Select(r => r % 2 == 0 ? top : bottom).ToArray();
        return LabelRows(grid, labels, (a.H + padding) * scale, padding * scale);
    }

    /// <summary>
    /// Labelled rows of images, one row per entry (for example the same interpolation decoded by several models),
    /// each row's label on its left. All batches must have the same image shape; rows may differ in length.
    /// </summary>
    /// <param name="rows">(label, images [N,C,H,W]) per row.</param>
    /// <param name="range">Value range of the tensors.</param>
    /// <param name="scale">Integer upscale; 0 picks the largest (at most 4, images at most 128 pixels high) that keeps the grid within 800 pixels wide.</param>
    public static Picture Rows(IEnumerable<(string Label, Tensor Images)> rows, PixelRange range = PixelRange.ZeroOne,
        int padding = 2, int scale = 0)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.Select(r => (r.Label, Batch: ImageBatch.From(r.Images, nameof(rows)))).ToList();
        if (list.Count == 0) throw new ArgumentException("Rows: give at least one row.", nameof(rows));
        var first = list[0].Batch;
        if (list.Any(r => r.Batch.C != first.C || r.Batch.H != first.H || r.Batch.W != first.W))
            throw new ArgumentException("Rows: every row must hold images of the same shape [C,H,W].", nameof(rows));
        if (scale < 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be 0 (automatic) or more.");
        int cols = list.Max(r => r.Batch.N);
        if (scale == 0) scale = Math.Clamp(Math.Min(800 / (cols * (first.W + padding)), 128 / first.H), 1, 4);
        var all = new ImageBatch(list.Sum(r => r.Batch.N), first.C, first.H, first.W, list.SelectMany(r => r.Batch.Data).ToArray());
        var cells = new List<int?>();
        int offset = 0;
        foreach (var (_, b) in list)
        {
            for (int k = 0; k < cols; k++) cells.Add(k < b.N ? offset + k : null);
            offset += b.N;
        }
        var grid = Layout(all, cells, cols, padding, 0f, range).Upscale(scale);
        return LabelRows(grid, list.Select(r => r.Label).ToArray(), (first.H + padding) * scale, padding * scale);
    }

    /// <summary>
    /// Several titled grids side by side (for example samples of each model), wrapped onto new lines so the
    /// picture stays within <paramref name="maxWidth"/> pixels. Each panel is a grid of <paramref name="nrow"/>
    /// images per row with its title above it; all batches must have the same image shape.
    /// </summary>
    /// <param name="panels">(title, images [N,C,H,W]) per panel.</param>
    /// <param name="nrow">Images per row inside a panel.</param>
    /// <param name="range">Value range of the tensors.</param>
    /// <param name="scale">Integer nearest-neighbour upscale of every panel.</param>
    /// <param name="maxWidth">Widest the picture may be; panels wrap to a new line beyond it.</param>
    public static Picture Panels(IEnumerable<(string Title, Tensor Images)> panels, int nrow = 6,
        PixelRange range = PixelRange.ZeroOne, int padding = 2, int scale = 1, int maxWidth = 800)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be 1 or more.");
        var list = panels.Select(p => (p.Title, Grid: Layout(ImageBatch.From(p.Images, nameof(panels)),
            Enumerable.Range(0, (int)p.Images.shape[0]).Select(i => (int?)i).ToList(), nrow, padding, 0f, range).Upscale(scale))).ToList();
        if (list.Count == 0) throw new ArgumentException("Panels: give at least one panel.", nameof(panels));
        using var font = Fonts.Paint(13);
        const int gap = 12, margin = 4;
        int titleH = (int)Math.Ceiling(font.TextSize * 1.6f);
        int panelW = list.Max(p => Math.Max(p.Grid.Width, (int)Math.Ceiling(font.MeasureText(p.Title)))), panelH = list.Max(p => p.Grid.Height) + titleH;
        int perLine = Math.Max(1, (maxWidth - 2 * margin + gap) / (panelW + gap));
        perLine = Math.Min(perLine, list.Count);
        int lines = (list.Count + perLine - 1) / perLine;
        int width = 2 * margin + perLine * panelW + (perLine - 1) * gap, height = 2 * margin + lines * panelH + (lines - 1) * gap;
        using var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(SKColors.White);
        for (int i = 0; i < list.Count; i++)
        {
            int x = margin + (i % perLine) * (panelW + gap), y = margin + (i / perLine) * (panelH + gap);
            var (title, grid) = list[i];
            canvas.DrawText(title, x + (panelW - font.MeasureText(title)) / 2f, y + font.TextSize * 1.1f, font);
            using var g = grid.ToBitmap();
            canvas.DrawBitmap(g, x + (panelW - grid.Width) / 2f, y + titleH);
        }
        canvas.Flush();
        return Raster.Encode(bmp);
    }

    /// <summary>
    /// A heat map of a 2-D tensor [H,W], or of each channel of [C,H,W] side by side on one shared scale,
    /// in a viridis-like colour map, with axes (ticks on the columns and rows, optional titles and value ranges)
    /// and an optional colour bar whose ticks show the values.
    /// </summary>
    /// <param name="values">The tensor.</param>
    /// <param name="colorbar">Draw a colour bar with tick labels on the right.</param>
    /// <param name="scale">Integer upscale; 0 picks one that makes the map about 160 pixels high.</param>
    /// <param name="xTitle">Title under the x axis (the columns), e.g. "μ".</param>
    /// <param name="yTitle">Title left of the y axis (the rows), e.g. "σ".</param>
    /// <param name="x">The values of the first and last column (ticks then show values, not indices).</param>
    /// <param name="y">The values of the top and bottom row.</param>
    /// <param name="titles">A title above each panel (one per channel of [C,H,W]), e.g. "head 1", "head 2".</param>
    public static Picture HeatMap(Tensor values, bool colorbar = true, int scale = 0, string? xTitle = null, string? yTitle = null,
        (double First, double Last)? x = null, (double First, double Last)? y = null, IReadOnlyList<string>? titles = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.dim() is not (2 or 3))
            throw new ArgumentException($"HeatMap: expected [H,W] or [C,H,W], got [{string.Join(",", values.shape)}].", nameof(values));
        using var t = values.dim() == 2 ? values.unsqueeze(0) : values.alias();
        int c = (int)t.shape[0], h = (int)t.shape[1], w = (int)t.shape[2];
        if (titles is not null && titles.Count != c)
            throw new ArgumentException($"HeatMap: {titles.Count} titles for {c} panels; give one title per channel.", nameof(titles));
        var data = ImageBatch.Floats(t);
        var finite = data.Where(float.IsFinite).ToArray();
        float lo = finite.Length > 0 ? finite.Min() : 0f, hi = finite.Length > 0 ? finite.Max() : 1f;
        if (hi <= lo) hi = lo + 1f;
        const int gap = 2;
        var raster = new Raster(c * w + (c - 1) * gap, h);
        raster.Fill(255);
        for (var ch = 0; ch < c; ch++)
            for (var row = 0; row < h; row++)
                for (var col = 0; col < w; col++)
                {
                    var (r, g, b) = ColorMap.Viridis((data[(ch * h + row) * w + col] - lo) / (hi - lo));
                    raster.Set(ch * (w + gap) + col, row, r, g, b);
                }
        if (scale == 0) scale = Math.Max(1, 160 / h);
        return HeatMapFigure.Draw(raster.Upscale(scale), new HeatMapFigure.Axes(c, w, h, gap, scale, xTitle, yTitle, x, y) { Titles = titles },
            colorbar ? (lo, hi) : null);
    }

    // Places image i of the batch in cell k (row-major, `cols` per row); null cells stay padding.
    static Raster Layout(ImageBatch batch, IReadOnlyList<int?> cells, int cols, int padding, float padValue, PixelRange range)
    {
        if (cols < 1) throw new ArgumentOutOfRangeException(nameof(cols), cols, "nrow must be 1 or more.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "padding must be 0 or more.");
        cols = Math.Min(cols, cells.Count);
        var rows = (cells.Count + cols - 1) / cols;
        int cellW = batch.W + padding, cellH = batch.H + padding;
        var raster = new Raster(padding + cols * cellW, padding + rows * cellH);
        raster.Fill(Raster.ToByte(padValue, PixelRange.ZeroOne));
        int plane = batch.H * batch.W, image = batch.C * plane;
        for (var k = 0; k < cells.Count; k++)
        {
            if (cells[k] is not int i) continue;
            int x0 = padding + (k % cols) * cellW, y0 = padding + (k / cols) * cellH, start = i * image;
            for (var y = 0; y < batch.H; y++)
                for (var x = 0; x < batch.W; x++)
                {
                    var p = start + y * batch.W + x;
                    var r = Raster.ToByte(batch.Data[p], range);
                    if (batch.C == 1) raster.Set(x0 + x, y0 + y, r, r, r);
                    else raster.Set(x0 + x, y0 + y, r, Raster.ToByte(batch.Data[p + plane], range), Raster.ToByte(batch.Data[p + 2 * plane], range));
                }
        }
        return raster;
    }

    static Picture LabelRows(Raster grid, string[] labels, int rowHeight, int top)
    {
        using var font = Fonts.Paint(13);
        var labelWidth = (int)Math.Ceiling(labels.Max(l => font.MeasureText(l))) + 12;
        using var bmp = new SKBitmap(new SKImageInfo(labelWidth + grid.Width, grid.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(SKColors.White);
        using (var g = grid.ToBitmap()) canvas.DrawBitmap(g, labelWidth, 0);
        for (var r = 0; r < labels.Length; r++)
        {
            var mid = top + r * rowHeight + (rowHeight - top) / 2f;
            canvas.DrawText(labels[r], labelWidth - 6 - font.MeasureText(labels[r]), mid + font.TextSize / 3f, font);
        }
        canvas.Flush();
        return Raster.Encode(bmp);
    }
}

/// <summary>A batch of images as floats [N,C,H,W] on the CPU.</summary>
sealed record ImageBatch(int N, int C, int H, int W, float[] Data)
{
    public static ImageBatch From(Tensor t, string argument)
    {
        ArgumentNullException.ThrowIfNull(t, argument);
        var shape = t.shape;
        long[] nchw = shape.Length switch
        {
            2 => [1, 1, shape[0], shape[1]],
            3 => [1, shape[0], shape[1], shape[2]],
            4 => shape,
            _ => throw Bad(shape, argument),
        };
        if (nchw[1] is not (1 or 3)) throw Bad(shape, argument);
        if (nchw[0] == 0) throw new ArgumentException($"{argument}: the batch is empty.", argument);
        using var flat = t.reshape(nchw);
        return new ImageBatch((int)nchw[0], (int)nchw[1], (int)nchw[2], (int)nchw[3], Floats(flat));
    }

    public static float[] Floats(Tensor t)
    {
        using var _ = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    static ArgumentException Bad(long[] shape, string argument) => new(
        $"{argument}: expected an image [H,W] or [C,H,W] or a batch [N,C,H,W] with C = 1 or 3, got [{string.Join(",", shape)}]. " +
        "For flat vectors use x.view(-1, 1, 28, 28); for channels-last use x.permute(0, 3, 1, 2).", argument);
}
