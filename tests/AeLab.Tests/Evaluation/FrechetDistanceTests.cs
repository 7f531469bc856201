using AeLab.Data;
using AeLab.Evaluation;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Evaluation;

public class FrechetDistanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Distance_of_a_set_to_itself_is_zero()
    {
        Lab.Init(seed: 1);
        using var x = randn(3000, 64) * linspace(0.1, 3, 64) + 2;
        var s = FrechetDistance.Compute(x, x);
        Assert.Equal(0, s.MeanTerm);
        Assert.True(Math.Abs(s.Squared) < 1e-9, $"d²(X, X) = {s.Squared}");
        // Singular covariance (fewer vectors than dimensions, and a constant feature): still 0, and no NaN.
        using var few = cat(new[] { randn(20, 50, dtype: float64), zeros(20, 1, dtype: float64) }, 1);
        var singular = FrechetDistance.Compute(few, few);
        Assert.False(double.IsNaN(singular.Squared));
        Assert.True(singular.Squared < 1e-9, $"d²(X, X) with a singular covariance = {singular.Squared}");
    }

    [Fact]
    public void Diagonal_gaussians_match_the_closed_form()
    {
        // With diagonal covariances the matrices commute: d² = |μ₁ − μ₂|² + Σᵢ (σ₁ᵢ − σ₂ᵢ)².
        var mu1 = new[] { 0.0, 1.0, -2.0, 0.5 };
        var mu2 = new[] { 1.0, 1.0, 0.0, -0.5 };
        var sd1 = new[] { 1.0, 2.0, 0.5, 3.0 };
        var sd2 = new[] { 0.5, 2.0, 1.5, 1.0 };
        double expected = mu1.Zip(mu2).Sum(p => (p.First - p.Second) * (p.First - p.Second))
                        + sd1.Zip(sd2).Sum(p => (p.First - p.Second) * (p.First - p.Second));
        using var a = FeatureStatistics.FromMoments(tensor(mu1), diag(tensor(sd1).square()));
        using var b = FeatureStatistics.FromMoments(tensor(mu2), diag(tensor(sd2).square()));
        var exact = FrechetDistance.Compute(a, b);
        Assert.Equal(expected, exact.Squared, 10);
        Assert.Equal(6.0, exact.MeanTerm, 12);

        // The same from samples of the two Gaussians: the estimate converges to the closed form.
        Lab.Init(seed: 2);
        const int n = 200_000;
        using var xa = tensor(mu1) + tensor(sd1) * randn(n, 4, dtype: float64);
        using var xb = tensor(mu2) + tensor(sd2) * randn(n, 4, dtype: float64);
        var sampled = FrechetDistance.Compute(xa, xb);
        Assert.True(Math.Abs(sampled.Squared - expected) < 0.05, $"from samples {sampled.Squared}, closed form {expected}");
    }

    [Fact]
    public void Full_covariances_match_the_known_cases()
    {
        Lab.Init(seed: 3);
        using var q = linalg.qr(randn(6, 6, dtype: float64)).Q;   // a random rotation
        using var sigma = q.matmul(diag(tensor(new[] { 4.0, 2.0, 1.0, 0.5, 0.25, 0.01 }))).matmul(q.t());
        using var mu = randn(6, dtype: float64);
        using var shifted = mu + 0.3;
        // Same covariance: only the means count.
        using (var a = FeatureStatistics.FromMoments(mu, sigma))
        using (var b = FeatureStatistics.FromMoments(shifted, sigma))
            Assert.Equal(6 * 0.09, FrechetDistance.Compute(a, b).Squared, 9);
        // Σ₂ = c²Σ₁: tr(Σ₁ + c²Σ₁ − 2cΣ₁) = (1 − c)² tr Σ₁.
        using (var a = FeatureStatistics.FromMoments(mu, sigma))
        using (var b = FeatureStatistics.FromMoments(mu, sigma * 9))
            Assert.Equal(4 * sigma.trace().item<double>(), FrechetDistance.Compute(a, b).Squared, 9);
    }

    [Fact]
    public void Symmetric_and_agrees_with_the_eigenvalues_of_the_product()
    {
        // Another route to tr((Σ₁Σ₂)^½): the eigenvalues of the non-symmetric product Σ₁Σ₂ (a general
        // eigensolver, complex output) are those of Σ₁^½Σ₂Σ₁^½, so Σ √λ must agree.
        Lab.Init(seed: 4);
        using var x = randn(500, 16, dtype: float64).matmul(randn(16, 16, dtype: float64));
        using var y = randn(400, 16, dtype: float64).matmul(randn(16, 16, dtype: float64)) + 0.5;
        var s = FrechetDistance.Compute(x, y);
        Assert.Equal(s.Squared, FrechetDistance.Compute(y, x).Squared, 8);

        using var sx = FeatureStatistics.Of(x);
        using var sy = FeatureStatistics.Of(y);
        using var lambda = linalg.eigvals(sx.Covariance.matmul(sy.Covariance));
        double traceRoot = lambda.real.clamp_min(0).sqrt().sum().item<double>();
        double other = (sx.Mean - sy.Mean).square().sum().item<double>() + sx.Covariance.trace().item<double>()
                     + sy.Covariance.trace().item<double>() - 2 * traceRoot;
        Assert.True(Math.Abs(other - s.Squared) < 1e-8 * Math.Max(1, s.Squared), $"eigh route {s.Squared}, eigvals route {other}");
        Assert.True(lambda.imag.abs().max().item<double>() < 1e-6 * lambda.real.abs().max().item<double>());
    }

    // The features frechet_reference.py builds, by the same formula.
    static Tensor FixedFeatures(int n, int d, double phase, double stretch)
    {
        var v = new double[n * d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                v[i * d + j] = Math.Sin(0.37 * (i + 1) * (j + 1) + phase) * (1 + stretch * j) + 0.1 * ((i * 7 + j * 3) % 5);
        return tensor(v).reshape(n, d);
    }

    [Fact]
    public void Matches_an_independent_pure_python_computation()
    {
        // tests/AeLab.Tests/Evaluation/frechet_reference.py: plain Python, Jacobi eigendecompositions, no libraries.
        const double reference = 1.4608231587146143, referenceMeanTerm = 0.007946461416446102;
        Lab.Init();
        using var x = FixedFeatures(40, 5, 0.0, 0.5);
        using var y = FixedFeatures(40, 5, 0.8, 0.2);
        var s = FrechetDistance.Compute(x, y);
        Assert.Equal(referenceMeanTerm, s.MeanTerm, 12);
        Assert.Equal(reference, s.Squared, 10);
        // float32 features give the same number to float32 precision (the statistics are float64 either way).
        Assert.Equal(reference, FrechetDistance.Compute(x.to(float32), y.to(float32)).Squared, 5);
    }

    [Fact]
    public void Grows_as_noise_is_added_to_real_images()
    {
        Lab.Init(seed: 5);
        using var test = FashionMnist.Load(train: false);
        using var reference = test.Images.narrow(0, 0, 2000);
        using var other = test.Images.narrow(0, 2000, 2000);
        using var net = new FashionClassifier();   // untrained: random convolutional features; also the raw pixels
        using var refFeatures = net.FeaturesOf(reference);
        using var refPixels = reference.flatten(1);
        var sigmas = new[] { 0.0, 0.05, 0.1, 0.2, 0.4, 0.8 };
        var byFeatures = new List<double>();
        var byPixels = new List<double>();
        foreach (var sigma in sigmas)
        {
            Lab.Seed(6);
            using var noisy = (other + sigma * randn_like(other)).clamp(0, 1);
            using var f = net.FeaturesOf(noisy);
            byFeatures.Add(FrechetDistance.Compute(refFeatures, f).Squared);
            using var p = noisy.flatten(1);
            byPixels.Add(FrechetDistance.Compute(refPixels, p).Squared);
        }
        output.WriteLine("σ: " + string.Join(", ", sigmas));
        output.WriteLine("features: " + string.Join(", ", byFeatures.Select(v => v.ToString("G4"))));
        output.WriteLine("pixels:   " + string.Join(", ", byPixels.Select(v => v.ToString("G4"))));
        for (int i = 1; i < sigmas.Length; i++)
        {
            Assert.True(byFeatures[i] > byFeatures[i - 1], $"features: d²(σ={sigmas[i]}) = {byFeatures[i]} ≤ d²(σ={sigmas[i - 1]}) = {byFeatures[i - 1]}");
            Assert.True(byPixels[i] > byPixels[i - 1], $"pixels: d²(σ={sigmas[i]}) = {byPixels[i]} ≤ d²(σ={sigmas[i - 1]}) = {byPixels[i - 1]}");
        }
        // Two halves of the real test set are close, heavy noise is far.
        Assert.True(byFeatures[^1] > 10 * byFeatures[0], $"noise σ=0.8 {byFeatures[^1]} vs real {byFeatures[0]}");
    }

    [Fact]
    public void Symmetric_sqrt_squares_back_and_clamps_negative_rounding()
    {
        Lab.Init(seed: 7);
        using var a = randn(8, 5, dtype: float64);
        using var psd = a.matmul(a.t());   // rank 5 of 8: three zero eigenvalues
        using var root = FrechetDistance.SymmetricSqrt(psd);
        Assert.False(root.isnan().any().item<bool>());
        Assert.True(root.matmul(root).allclose(psd, rtol: 1e-9, atol: 1e-9));
    }
}
