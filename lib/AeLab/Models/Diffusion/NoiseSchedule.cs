using AeLab.Core;
using static TorchSharp.torch;

namespace AeLab.Models.Diffusion;

/// <summary>
/// The forward (noising) process of a diffusion model (Ho, Jain &amp; Abbeel 2020, "Denoising Diffusion Probabilistic
/// Models"): T steps q(x_t | x_{t−1}) = N(√(1 − β_t) x_{t−1}, β_t I), so that in closed form
/// q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) with α_t = 1 − β_t and ᾱ_t = Π_{s≤t} α_s. Two schedules of β: the
/// paper's linear one and the cosine one of Nichol &amp; Dhariwal 2021 ("Improved DDPM").
/// </summary>
/// <remarks>
/// Steps are counted from 0, as in the papers' code: step t = 0 … T−1 here is the paper's t + 1, so ᾱ_0 = α_0 is the
/// first step's and "ᾱ_{−1}" = 1 is the clean data. The numbers are kept in float64 on the CPU; <see cref="AddNoise"/>
/// moves the coefficients it needs to the data's device and dtype.
/// </remarks>
public sealed class NoiseSchedule
{
    readonly double[] _betas, _alphaBars;

    /// <summary>A schedule with these β_t (each in (0, 1)), named <paramref name="kind"/> in messages and tables.</summary>
    public NoiseSchedule(IReadOnlyList<double> betas, string kind = "custom")
    {
        ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count < 1) throw new ArgumentException("A noise schedule needs at least one step.", nameof(betas));
        for (int t = 0; t < betas.Count; t++)
            if (!(betas[t] > 0 && betas[t] < 1))
                throw new ArgumentOutOfRangeException(nameof(betas), betas[t], $"Every β_t must lie in (0, 1); β_{t} is {betas[t]}.");
        _betas = betas.ToArray();
        _alphaBars = new double[_betas.Length];
        double product = 1;
        for (int t = 0; t < _betas.Length; t++) _alphaBars[t] = product *= 1 - _betas[t];
        Kind = kind;
    }

    /// <summary>β_t rising linearly from <paramref name="betaStart"/> to <paramref name="betaEnd"/> over <paramref name="steps"/> steps
    /// (the DDPM paper: 10⁻⁴ to 0.02 over 1 000).</summary>
    public static NoiseSchedule Linear(int steps = 1000, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 1.");
        if (!(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd))
            throw new ArgumentOutOfRangeException(nameof(betaStart), $"Need 0 < betaStart ≤ betaEnd < 1; got {betaStart} and {betaEnd}.");
        return new NoiseSchedule(Enumerable.Range(0, steps).Select(t => steps == 1 ? betaStart : betaStart + (betaEnd - betaStart) * t / (steps - 1)).ToArray(), "linear");
    }

    /// <summary>
    /// ᾱ(t) = f(t) / f(0) with f(t) = cos²(π/2 · (t/T + s) / (1 + s)), and β_t = 1 − ᾱ(t+1)/ᾱ(t) capped at
    /// <paramref name="maxBeta"/> (Nichol &amp; Dhariwal 2021): the signal fades evenly instead of being nearly gone
    /// half-way, as with the linear schedule.
    /// </summary>
    public static NoiseSchedule Cosine(int steps = 1000, double offset = 0.008, double maxBeta = 0.999)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 1.");
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), offset, "offset must be 0 or more.");
        if (!(maxBeta > 0 && maxBeta < 1)) throw new ArgumentOutOfRangeException(nameof(maxBeta), maxBeta, "maxBeta must lie in (0, 1).");
        double F(double u) => Math.Pow(Math.Cos((u + offset) / (1 + offset) * Math.PI / 2), 2);
        return new NoiseSchedule(Enumerable.Range(0, steps)
            .Select(t => Math.Min(1 - F((t + 1.0) / steps) / F((double)t / steps), maxBeta)).ToArray(), "cosine");
    }

    /// <summary>"linear", "cosine" or "custom".</summary>
    public string Kind { get; }

    /// <summary>T, the number of noising steps.</summary>
    public int Steps => _betas.Length;

    /// <summary>β_0 … β_{T−1}.</summary>
    public IReadOnlyList<double> Betas => _betas;

    /// <summary>ᾱ_0 … ᾱ_{T−1}, the cumulative products of 1 − β.</summary>
    public IReadOnlyList<double> AlphaBars => _alphaBars;

    /// <summary>β_t.</summary>
    public double Beta(int t) => _betas[Step(t, nameof(t))];

    /// <summary>α_t = 1 − β_t.</summary>
    public double Alpha(int t) => 1 - Beta(t);

    /// <summary>ᾱ_t; ᾱ_{−1} = 1 (no noise at all), which DDIM's last step lands on.</summary>
    public double AlphaBar(int t) => t == -1 ? 1.0 : _alphaBars[Step(t, nameof(t))];

    /// <summary>β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, the variance of q(x_{t−1} | x_t, x_0) (0 at t = 0).</summary>
    public double PosteriorVariance(int t) => (1 - AlphaBar(t - 1)) / (1 - AlphaBar(t)) * Beta(t);

    /// <summary>
    /// A draw of q(x_t | x_0) in one go: √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε, for a batch x_0 [B, …], steps t [B] (int64,
    /// one per item) and noise ε of x_0's shape.
    /// </summary>
    public Tensor AddNoise(Tensor x0, Tensor t, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(noise);
        if (!noise.shape.SequenceEqual(x0.shape))
            throw Expect.Mismatch(nameof(NoiseSchedule), nameof(noise), $"with the shape of x0, {Expect.ShapeOf(x0)}", Expect.ShapeOf(noise),
                "Draw it with randn_like(x0).");
        using var scope = NewDisposeScope();
        var shape = new long[x0.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x0.shape[0];
        var alphaBar = AlphaBarsAt(t, x0.shape[0], nameof(t)).to(x0.dtype).to(x0.device).reshape(shape);
        return (alphaBar.sqrt() * x0 + (1 - alphaBar).sqrt() * noise).MoveToOuterDisposeScope();
    }

    /// <summary>ᾱ at each step of <paramref name="t"/> [B] (int64), as float64 on the CPU.</summary>
    public Tensor AlphaBarsAt(Tensor t, long batch, string argument = "t")
    {
        CheckSteps(t, batch, nameof(NoiseSchedule), argument);
        using var table = tensor(_alphaBars, dtype: float64);
        using var cpu = t.cpu();
        return table.index_select(0, cpu);
    }

    /// <summary>Refuses anything but int64 steps [B] in 0…T−1 (what <see cref="AddNoise"/> and the denoiser read).</summary>
    internal void CheckSteps(Tensor t, long batch, string who, string argument)
    {
        if (t.dim() != 1 || t.shape[0] != batch)
            throw Expect.Mismatch(who, argument, $"as one step per item, [{batch}]", Expect.ShapeOf(t),
                t.dim() == 0 ? $"Repeat it for the batch: full({batch}, step, dtype: int64)." : "Give one int64 step per item of the batch.");
        Expect.Indices(t, Steps, who, argument, "step");
    }

    int Step(int t, string argument) =>
        t >= 0 && t < Steps ? t : throw new ArgumentOutOfRangeException(argument, t, $"A step of this schedule lies in 0…{Steps - 1}.");

    public override string ToString() => $"{Kind} schedule, T = {Steps}, β from {_betas[0]:G3} to {_betas[^1]:G3}, ᾱ_T−1 = {_alphaBars[^1]:G3}";
}
