using System.Globalization;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// The aggregate posterior of a VAE's codes, q(z) = mean over images of q(z | x), summarised per latent dimension: the
/// mean of the posterior means, their spread, and the aggregate's standard deviation — the variance of the means plus
/// the mean posterior variance (the law of total variance). The KL term pulls this aggregate towards N(0, I).
/// </summary>
/// <param name="Mean">Per dimension, the mean of the posterior means (the aggregate's mean).</param>
/// <param name="MeansStd">Per dimension, the standard deviation of the posterior means.</param>
/// <param name="Std">Per dimension, the aggregate's standard deviation.</param>
public sealed record AggregatePosterior(double[] Mean, double[] MeansStd, double[] Std)
{
    /// <summary>From posterior means <paramref name="mu"/> [N, D] and posterior variances <paramref name="variance"/> [N, D].</summary>
    public static AggregatePosterior Of(Tensor mu, Tensor variance)
    {
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(variance);
        if (mu.dim() != 2 || mu.shape[0] < 2)
            throw new ArgumentException($"AggregatePosterior expects posterior means [N, D] with N ≥ 2; got [{string.Join(", ", mu.shape)}].", nameof(mu));
        if (!variance.shape.SequenceEqual(mu.shape))
            throw new ArgumentException($"AggregatePosterior expects variances of the means' shape [{string.Join(", ", mu.shape)}]; got [{string.Join(", ", variance.shape)}]. " +
                "Pass logvar.exp(), not logvar or σ.", nameof(variance));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var m = mu.detach().cpu().to(ScalarType.Float32);
        var v = variance.detach().cpu().to(ScalarType.Float32);
        double[] Values(Tensor t) => t.data<float>().Select(x => (double)x).ToArray();
        return new AggregatePosterior(Values(m.mean([0])), Values(m.std(0)), Values((m.var(0) + v.mean([0])).sqrt()));
    }

    /// <summary>The largest distance, over dimensions, of the aggregate's mean from 0 or of its std from 1.</summary>
    public double LargestOffset => Mean.Select(Math.Abs).Concat(Std.Select(s => Math.Abs(s - 1))).Max();

    /// <summary>"within 0.2 of N(0, I)'s mean 0 and std 1", or "off N(0, I) by up to 0.31 in mean or std".</summary>
    public string Against(double tolerance = 0.2)
    {
        if (tolerance <= 0) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be positive.");
        var t = tolerance.ToString("0.###", CultureInfo.InvariantCulture);
        return LargestOffset <= tolerance
            ? $"within {t} of N(0, I)'s mean 0 and std 1"
            : $"off N(0, I) by up to {LargestOffset.ToString("F2", CultureInfo.InvariantCulture)} in mean or std";
    }
}
