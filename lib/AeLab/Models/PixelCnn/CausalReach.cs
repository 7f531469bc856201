using static TorchSharp.torch;

namespace AeLab.Models.PixelCnn;

/// <summary>
/// Which positions of a code map reach the prediction at one position (found by backpropagating from its logits and
/// seeing where gradient arrives), read in raster order: how many earlier and later positions reach it, and the
/// earlier positions that do not — the prior's blind spot there. A causal prior is reached by no later position.
/// </summary>
public sealed record CausalReach(int Row, int Col, int Earlier, int EarlierReaching, int Later, int LaterReaching,
    IReadOnlyList<(int Row, int Col)> BlindSpot)
{
    /// <summary>From <paramref name="reach"/> [H, W] (non-zero where an input position reaches (row, col)).</summary>
    public static CausalReach Of(Tensor reach, int row, int col)
    {
        ArgumentNullException.ThrowIfNull(reach);
        if (reach.dim() != 2)
            throw new ArgumentException($"CausalReach expects a reach map [H, W]; got [{string.Join(", ", reach.shape)}].", nameof(reach));
        int h = (int)reach.shape[0], w = (int)reach.shape[1];
        if (row < 0 || row >= h || col < 0 || col >= w)
            throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {col}) is outside the {h}×{w} map.");
        using var flat = reach.detach().cpu().ne(0).flatten();
        var reaches = flat.data<bool>().ToArray();
        int at = row * w + col;
        var blind = Enumerable.Range(0, at).Where(i => !reaches[i]).Select(i => (i / w, i % w)).ToList();
        return new CausalReach(row, col, at, at - blind.Count, h * w - at, reaches.Skip(at).Count(r => r), blind);
    }

    /// <summary>True when no position at or after (Row, Col) reaches it.</summary>
    public bool IsCausal => LaterReaching == 0;

    /// <summary>The blind spot as "(0, 4) (0, 5) …", or "none".</summary>
    public string BlindSpotText => BlindSpot.Count == 0 ? "none" : string.Join(" ", BlindSpot.Select(p => $"({p.Row}, {p.Col})"));
}
