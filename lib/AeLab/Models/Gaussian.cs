using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// The two pieces of Gaussian algebra every VAE needs: the reparameterised sample and the closed-form
/// KL divergence. Variances are passed as log-variances (logvar = log σ²): the network may output any
/// real number and σ = exp(0.5·logvar) is always positive.
/// </summary>
public static class Gaussian
{
    /// <summary>
    /// z = μ + σ·ε with ε ~ N(0, I) drawn independently of μ and logvar, so gradients flow to both
    /// (the randomness sits in ε, outside the computation graph's parameters).
    /// </summary>
    public static Tensor Reparameterize(Tensor mu, Tensor logvar)
    {
        CheckSameShape(mu, logvar);
        using var std = (0.5 * logvar).exp();
        using var eps = randn_like(std); // Gaussian noise: randn, not rand (uniform)
        return mu + std * eps;
    }

    /// <summary>
    /// KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_d (μ_d² + σ_d² − log σ_d² − 1), summed over every dimension
    /// after the first: one value per example, shape [N].
    /// </summary>
    public static Tensor KlToStandardNormal(Tensor mu, Tensor logvar)
    {
        CheckSameShape(mu, logvar);
        using var terms = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1);
        return mu.dim() <= 1 ? terms.sum() : terms.flatten(1).sum(1);
    }

    /// <summary>
    /// KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) per element = log(σ₂/σ₁) + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½,
    /// in log-variances: ½(logvar₂ − logvar₁) + (exp(logvar₁) + (μ₁−μ₂)²)/(2·exp(logvar₂)) − ½.
    /// Elementwise (no sum), so it covers the 1-D case and, summed, the diagonal N-D case.
    /// </summary>
    public static Tensor Kl(Tensor mu1, Tensor logvar1, Tensor mu2, Tensor logvar2)
    {
        CheckSameShape(mu1, logvar1);
        return 0.5 * (logvar2 - logvar1) + (logvar1.exp() + (mu1 - mu2).pow(2)) / (2 * logvar2.exp()) - 0.5;
    }

    /// <summary>log N(x; μ, σ²) elementwise, the density the Monte Carlo KL estimate averages.</summary>
    public static Tensor LogDensity(Tensor x, Tensor mu, Tensor logvar) =>
        -0.5 * (Math.Log(2 * Math.PI) + logvar + (x - mu).pow(2) / logvar.exp());

    static void CheckSameShape(Tensor mu, Tensor logvar)
    {
        if (!mu.shape.SequenceEqual(logvar.shape))
            throw new ArgumentException(
                $"mu has shape [{string.Join(", ", mu.shape)}] but logvar has [{string.Join(", ", logvar.shape)}]; " +
                "a diagonal Gaussian needs one log-variance per mean.", nameof(logvar));
    }
}
