using AeLab.Evaluation;
using AeLab.Models;
using static TorchSharp.torch;

namespace AeLab.Exercises;

/// <summary>
/// The references some exercises' checks compare a learner's function with, where writing the reference in the
/// lesson's cell would write out the answer. Each is computed the library's or TorchSharp's way where there is one.
/// </summary>
public static class Reference
{
    /// <summary>03.2, 03.3: the adversarial autoencoder's discriminator loss, the two binary cross-entropy terms
    /// (prior draws labelled 1, codes labelled 0), each averaged over its batch.</summary>
    public static Tensor DiscriminatorBce(Tensor priorLogits, Tensor codeLogits) =>
        nn.functional.binary_cross_entropy_with_logits(priorLogits, ones_like(priorLogits))
        + nn.functional.binary_cross_entropy_with_logits(codeLogits, zeros_like(codeLogits));

    /// <summary>05.1: four reparameterised draws per element, in a new first dimension, by
    /// <see cref="Gaussian.Reparameterize"/> on μ and log σ² repeated four times.</summary>
    public static Tensor DrawFour(Tensor mu, Tensor logvar)
    {
        long[] four = [4, .. mu.shape];
        return Gaussian.Reparameterize(mu.unsqueeze(0).expand(four), logvar.unsqueeze(0).expand(four));
    }

    /// <summary>05.2: ∂z/∂s for z = μ + exp(s)·ε, as autograd finds it (μ does not depend on s).</summary>
    public static Tensor DzDs(Tensor s, Tensor eps)
    {
        using var _ = enable_grad();
        var leaf = s.detach().clone().requires_grad_();
        (leaf.exp() * eps.detach()).sum().backward();
        return leaf.grad!.detach();
    }

    /// <summary>07.1: −log p(x | z) per image for a Bernoulli decoder: the cross-entropy of logits [N, 784] against
    /// images [N, 1, 28, 28], summed over each image's pixels, shape [N].</summary>
    public static Tensor ReconstructionNats(Tensor logits, Tensor images) =>
        nn.functional.binary_cross_entropy_with_logits(logits, images.flatten(1), reduction: nn.Reduction.None).sum(1);

    /// <summary>08.3: the KL term per pixel that ConvVae logs as kl_px: the KL of every latent Gaussian summed over the
    /// batch, divided by the number of numbers N·C·H·W in the image batch.</summary>
    public static Tensor KlPerPixel(Tensor mu, Tensor logvar, Tensor images) =>
        Gaussian.KlToStandardNormal(mu, logvar).sum() / images.numel();

    /// <summary>09.3: the straight-through estimator's output, with the value of zq, the gradient of z, and no gradient
    /// for zq.</summary>
    public static Tensor StraightThrough(Tensor z, Tensor zq) => z + (zq - z).detach();

    /// <summary>12.1: the squared Fréchet distance between N(μ₁, diag σ₁²) and N(μ₂, diag σ₂²), computed by
    /// <see cref="FrechetDistance"/> on the full covariance matrices; a scalar tensor.</summary>
    public static Tensor FrechetDiagonal(Tensor mu1, Tensor sd1, Tensor mu2, Tensor sd2) =>
        tensor(FrechetDistance.Compute(FeatureStatistics.FromMoments(mu1, diag(sd1.square())),
            FeatureStatistics.FromMoments(mu2, diag(sd2.square()))).Squared);
}
