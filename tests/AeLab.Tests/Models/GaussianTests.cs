using AeLab.Models;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

public class GaussianTests
{
    [Fact]
    public void Reparameterised_gradients_reach_mu_and_logvar_exactly()
    {
        Lab.Init(seed: 3);
        using var mu = tensor(new float[] { 0.5f, -1f, 2f }).requires_grad_();
        using var logvar = tensor(new float[] { 0f, 1f, -2f }).requires_grad_();
        Lab.Seed(7);
        using var z = Gaussian.Reparameterize(mu, logvar);
        Lab.Seed(7);
        using var eps = randn(3);
        z.sum().backward();
        // dz/dμ = 1 and dz/dlogvar = ½·σ·ε for the same ε.
        Assert.All(mu.grad!.data<float>().ToArray(), g => Assert.Equal(1f, g, 5));
        using var expected = 0.5f * (0.5f * logvar.detach()).exp() * eps;
        Assert.True(allclose(logvar.grad!, expected, rtol: 1e-5, atol: 1e-6));
        using var again = mu.detach() + (0.5f * logvar.detach()).exp() * eps;
        Assert.True(allclose(z.detach(), again));
    }

    [Fact]
    public void Closed_form_kl_matches_monte_carlo_within_four_standard_errors()
    {
        Lab.Init(seed: 11);
        using var mu1 = tensor(new double[] { 0.7, -1.2, 0.1 });
        using var lv1 = tensor(new double[] { -0.5, 0.4, 1.0 });
        using var mu2 = tensor(new double[] { 0.0, 0.5, -0.3 });
        using var lv2 = tensor(new double[] { 0.3, -0.2, 0.0 });
        double closed = Gaussian.Kl(mu1, lv1, mu2, lv2).sum().item<double>();

        const int n = 200_000;
        using var x = mu1 + (0.5 * lv1).exp() * randn(n, 3, dtype: float64);
        using var logRatio = (Gaussian.LogDensity(x, mu1, lv1) - Gaussian.LogDensity(x, mu2, lv2)).sum(1);
        double mc = logRatio.mean().item<double>();
        double se = logRatio.std().item<double>() / Math.Sqrt(n);
        Assert.True(Math.Abs(closed - mc) < 4 * se, $"closed {closed}, MC {mc} ± {se}");
        Assert.True(se < 0.01, $"standard error {se} too large for a useful check");
    }

    [Fact]
    public void Kl_to_standard_normal_is_the_general_formula_with_zero_mean_unit_variance()
    {
        Lab.Init(seed: 5);
        using var mu = randn(4, 2, 3, 3);
        using var lv = randn(4, 2, 3, 3);
        using var perImage = Gaussian.KlToStandardNormal(mu, lv);
        Assert.Equal(new long[] { 4 }, perImage.shape);
        using var general = Gaussian.Kl(mu, lv, zeros_like(mu), zeros_like(lv)).flatten(1).sum(1);
        Assert.True(allclose(perImage, general, rtol: 1e-5, atol: 1e-5));
        using var zero = Gaussian.KlToStandardNormal(zeros(2, 5), zeros(2, 5));
        Assert.All(zero.data<float>().ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Mismatched_shapes_are_rejected_with_a_clear_message()
    {
        Lab.Init();
        var e = Assert.Throws<ArgumentException>(() => Gaussian.KlToStandardNormal(zeros(2, 3), zeros(2, 4)));
        Assert.Contains("logvar", e.Message);
    }
}
