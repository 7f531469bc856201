using System.Globalization;
using static TorchSharp.torch;

namespace AeLab.Display;

/// <summary>A small matrix as aligned text, one bracketed row per line, for printing a worked example.</summary>
public static class MatrixText
{
    /// <summary>
    /// The rows of <paramref name="matrix"/> [R, C] (any device and float type), every value in
    /// <paramref name="format"/> and right-aligned to the widest: "  [ 0.401,  0.198,  0.401 ]".
    /// </summary>
    public static string Of(Tensor matrix, string format = "F3")
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.dim() != 2)
            throw new ArgumentException($"MatrixText expects a matrix [rows, columns]; got [{string.Join(", ", matrix.shape)}].", nameof(matrix));
        using var values = matrix.detach().cpu().to(ScalarType.Float64).contiguous();
        var data = values.data<double>().ToArray();
        int rows = (int)matrix.shape[0], cols = (int)matrix.shape[1];
        var cells = data.Select(v => v.ToString(format, CultureInfo.InvariantCulture)).ToArray();
        int width = cells.Length == 0 ? 1 : cells.Max(c => c.Length);
        return string.Join("\n", Enumerable.Range(0, rows).Select(r =>
            "  [ " + string.Join(", ", Enumerable.Range(0, cols).Select(c => cells[r * cols + c].PadLeft(width))) + " ]"));
    }
}
