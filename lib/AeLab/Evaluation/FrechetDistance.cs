using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>The mean and covariance of a set of feature vectors, in float64 on the CPU.</summary>
public sealed class FeatureStatistics : IDisposable
{
    FeatureStatistics(Tensor mean, Tensor covariance, long count)
    {
        Mean = mean; Covariance = covariance; Count = count;
    }

    /// <summary>μ, [D].</summary>
    public Tensor Mean { get; }

    /// <summary>Σ, [D, D]: the unbiased sample covariance (divided by N − 1).</summary>
    public Tensor Covariance { get; }

    /// <summary>N, the number of feature vectors.</summary>
    public long Count { get; }

    /// <summary>D, the feature length.</summary>
    public long Dim => Mean.shape[0];

    Tensor? _root;

    /// <summary>Σ^½, computed once: a set scored against many others (lesson 12's test images) pays for it once.</summary>
    internal Tensor Root => _root ??= FrechetDistance.SymmetricSqrt(Covariance).DetachFromDisposeScope();

    /// <summary>Statistics of feature vectors [N, D] (any device and float type; N ≥ 2).</summary>
    public static FeatureStatistics Of(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2)
            throw new ArgumentException($"Features must be [N, D]; got [{string.Join(", ", features.shape)}]. Flatten them with x.flatten(1).", nameof(features));
        if (features.shape[0] < 2)
            throw new ArgumentException($"A covariance needs at least 2 feature vectors; got {features.shape[0]}.", nameof(features));
        using var scope = NewDisposeScope();
        var x = features.detach().cpu().to(float64);
        var mean = x.mean(new long[] { 0 });
        var centred = x - mean;
        var cov = centred.t().matmul(centred) / (x.shape[0] - 1);
        return new FeatureStatistics(mean.MoveToOuterDisposeScope(), cov.MoveToOuterDisposeScope(), x.shape[0]);
    }

    /// <summary>Statistics given directly (for Gaussians with known parameters): μ [D] and a symmetric Σ [D, D].</summary>
    public static FeatureStatistics FromMoments(Tensor mean, Tensor covariance, long count = 0)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        long d = mean.shape[0];
        if (mean.dim() != 1 || covariance.dim() != 2 || covariance.shape[0] != d || covariance.shape[1] != d)
            throw new ArgumentException($"Expected μ [D] and Σ [D, D]; got [{string.Join(", ", mean.shape)}] and [{string.Join(", ", covariance.shape)}].");
        return new FeatureStatistics(mean.detach().cpu().to(float64).clone(), covariance.detach().cpu().to(float64).clone(), count);
    }

    public void Dispose() { Mean.Dispose(); Covariance.Dispose(); _root?.Dispose(); }
}

/// <summary>
/// A Fréchet distance and its two parts. <see cref="Squared"/> is the number image-generation papers report as
/// "FID" when the features are Inception-v3's; <see cref="MeanTerm"/> + <see cref="CovarianceTerm"/> = <see cref="Squared"/>.
/// </summary>
public sealed record FrechetScore(double Squared, double MeanTerm, double CovarianceTerm)
{
    /// <summary>d, the distance itself (√ of <see cref="Squared"/>).</summary>
    public double Distance => Math.Sqrt(Squared);

    public override string ToString() => $"d² = {Squared:F3} (means {MeanTerm:F3} + covariances {CovarianceTerm:F3})";
}

/// <summary>
/// The Fréchet (2-Wasserstein) distance between the Gaussians fitted to two feature sets,
/// d² = |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½).
/// </summary>
/// <remarks>
/// Computed in float64 with symmetric eigendecompositions only. The usual formula writes the last term as
/// tr((Σ₁Σ₂)^½), but Σ₁Σ₂ is not symmetric, and a general matrix square root of it (scipy's sqrtm) returns complex
/// values from rounding error that implementations must then discard. Σ₁^½ Σ₂ Σ₁^½ has the same eigenvalues as
/// Σ₁Σ₂ and is symmetric positive semi-definite, so its square root's trace is Σᵢ √λᵢ with λ from a symmetric
/// eigensolver (eigh), which is stable and real. Σ₁^½ itself is V diag(√w) Vᵀ from eigh(Σ₁).
/// <para>
/// Eigenvalues are clamped at 0 before the square roots: covariances are positive semi-definite in exact
/// arithmetic, but sample covariances are often singular (a ReLU feature that is 0 on every image has zero
/// variance; fewer vectors than dimensions give rank N − 1 &lt; D), and rounding turns their zero eigenvalues into
/// values like −1e-17, whose square root would be NaN. For the same reason d² itself is clamped at 0: for two
/// equal sets the exact value is 0 and rounding may give −1e-13.
/// </para>
/// </remarks>
public static class FrechetDistance
{
    /// <summary>d² between the Gaussians fitted to feature sets <paramref name="a"/> [N, D] and <paramref name="b"/> [M, D].</summary>
    public static FrechetScore Compute(Tensor a, Tensor b)
    {
        using var sa = FeatureStatistics.Of(a);
        using var sb = FeatureStatistics.Of(b);
        return Compute(sa, sb);
    }

    /// <summary>d² between two Gaussians given by their statistics.</summary>
    public static FrechetScore Compute(FeatureStatistics a, FeatureStatistics b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dim != b.Dim) throw new ArgumentException($"The feature sets have different lengths: {a.Dim} and {b.Dim}.");
        return OnOneThread(() => ComputeOnce(a, b));
    }

    static FrechetScore ComputeOnce(FeatureStatistics a, FeatureStatistics b)
    {
        using var scope = NewDisposeScope();
        double meanTerm = (a.Mean - b.Mean).square().sum().item<double>();
        var rootA = a.Root;
        var m = rootA.matmul(b.Covariance).matmul(rootA);
        m = (m + m.t()) / 2;   // symmetric in exact arithmetic; remove the rounding asymmetry before eigh
        var lambda = linalg.eigvalsh(m).clamp_min(0);
        double traceRoot = lambda.sqrt().sum().item<double>();
        double covTerm = a.Covariance.trace().item<double>() + b.Covariance.trace().item<double>() - 2 * traceRoot;
        double squared = meanTerm + covTerm;
        if (squared < 0) { covTerm -= squared; squared = 0; }   // rounding only: see the remarks
        return new FrechetScore(squared, meanTerm, covTerm);
    }

    /// <summary>The positive semi-definite square root of a symmetric positive semi-definite matrix: V diag(√max(w, 0)) Vᵀ from eigh.</summary>
    public static Tensor SymmetricSqrt(Tensor symmetric)
    {
        ArgumentNullException.ThrowIfNull(symmetric);
        if (symmetric.dim() != 2 || symmetric.shape[0] != symmetric.shape[1])
            throw new ArgumentException($"Expected a square matrix; got [{string.Join(", ", symmetric.shape)}].", nameof(symmetric));
        return OnOneThread(() =>
        {
            using var scope = NewDisposeScope();
            var s = symmetric.to(float64);
            var (w, v) = linalg.eigh((s + s.t()) / 2);
            return (v * w.clamp_min(0).sqrt().unsqueeze(0)).matmul(v.t()).MoveToOuterDisposeScope();
        });
    }

    // The eigendecompositions and products here are of D×D matrices (D = 128 in lesson 12): small enough that
    // splitting them over threads costs more than it saves — measured on two busy cores, eigvalsh of a 128×128 matrix
    // took two orders of magnitude longer on two threads than on one. So they run on one thread, then the setting is
    // restored.
    static T OnOneThread<T>(Func<T> compute)
    {
        int threads = get_num_threads();
        if (threads == 1) return compute();
        set_num_threads(1);
        try { return compute(); }
        finally { set_num_threads(threads); }
    }
}
