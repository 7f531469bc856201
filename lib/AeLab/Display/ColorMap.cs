namespace AeLab.Display;

/// <summary>A viridis-like colour map: dark purple (low) through teal to yellow (high); readable in grey print.</summary>
static class ColorMap
{
    // Nine anchor colours sampled from matplotlib's viridis; linear interpolation between them.
    static readonly (byte R, byte G, byte B)[] Anchors =
    [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ];

    /// <summary>Colour for t in [0,1] (clamped).</summary>
    public static (byte R, byte G, byte B) Viridis(double t)
    {
        if (double.IsNaN(t)) t = 0;
        t = Math.Clamp(t, 0, 1) * (Anchors.Length - 1);
        var i = Math.Min((int)t, Anchors.Length - 2);
        var f = t - i;
        var (a, b) = (Anchors[i], Anchors[i + 1]);
        return (Lerp(a.R, b.R, f), Lerp(a.G, b.G, f), Lerp(a.B, b.B, f));
    }

    static byte Lerp(byte a, byte b, double f) => (byte)Math.Round(a + (b - a) * f);
}
