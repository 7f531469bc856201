using AeLab.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>The adversarial pieces of VQ-GAN's stage-1 loss, as taming-transformers computes them.</summary>
public static class GanLosses
{
    /// <summary>
    /// Hinge loss of the discriminator: ½(E[max(0, 1 − D(x))] + E[max(0, 1 + D(x̂))]). Patches already beyond
    /// the margin (real scored above 1, fake below −1) add nothing, so D stops pushing on easy patches.
    /// </summary>
    public static Tensor DiscriminatorHinge(Tensor realLogits, Tensor fakeLogits) =>
        0.5 * (nn.functional.relu(1 - realLogits).mean() + nn.functional.relu(1 + fakeLogits).mean());

    /// <summary>Generator side of the hinge game: −E[D(x̂)] (raise the discriminator's score of reconstructions).</summary>
    public static Tensor GeneratorHinge(Tensor fakeLogits) => -fakeLogits.mean();

    /// <summary>
    /// Feature-matching loss: mean over the discriminator's hidden layers of the L1 distance between the
    /// features of the reconstruction and those of the (detached) original.
    /// </summary>
    public static Tensor FeatureMatching(IReadOnlyList<Tensor> realFeatures, IReadOnlyList<Tensor> fakeFeatures)
    {
        if (realFeatures.Count != fakeFeatures.Count || realFeatures.Count == 0)
            throw new ArgumentException($"FeatureMatching needs the same non-zero number of feature maps for real and fake; got {realFeatures.Count} and {fakeFeatures.Count}.", nameof(fakeFeatures));
        var total = zeros(1, device: fakeFeatures[0].device).squeeze();
        for (int i = 0; i < realFeatures.Count; i++)
            total = total + (fakeFeatures[i] - realFeatures[i].detach()).abs().mean();
        return total / realFeatures.Count;
    }

    /// <summary>Largest adaptive weight, as taming clamps it (its gradient ratio can explode when ∇L_GAN ≈ 0).</summary>
    public const double MaxAdaptiveWeight = 1e4;

    /// <summary>
    /// taming-transformers' adaptive weight λ = ‖∇_w L_rec‖ / (‖∇_w L_GAN‖ + 1e-4), with w the decoder's last
    /// layer, clamped to [0, 10⁴] and detached: it scales the GAN term so its gradient at the output has the
    /// size of the reconstruction term's, whatever the raw loss scales are. Both losses must still have
    /// their graphs (they are kept for the backward pass that follows) and the weight must require gradients: anything
    /// else is refused with an <see cref="ArgumentException"/> naming the argument (libtorch's autograd.grad would end
    /// the process instead of throwing).
    /// </summary>
    public static Tensor AdaptiveWeight(Tensor reconstructionLoss, Tensor ganLoss, Tensor lastLayerWeight)
    {
        const string who = "GanLosses.AdaptiveWeight";
        if (!lastLayerWeight.requires_grad)
            throw Expect.Mismatch(who, nameof(lastLayerWeight), "to require gradients (requires_grad true)", "a weight with requires_grad false",
                "Unfreeze the decoder's last layer, or turn the adaptive weight off (VqGanLossSettings(AdaptiveWeight: false)).");
        foreach (var (loss, name) in new[] { (reconstructionLoss, nameof(reconstructionLoss)), (ganLoss, nameof(ganLoss)) })
        {
            if (loss.numel() != 1) throw Expect.Mismatch(who, name, "as a scalar loss", Expect.ShapeOf(loss), "Take its .mean().");
            Expect.HasGraph(loss, who, name);
        }
        var gRec = torch.autograd.grad(new[] { reconstructionLoss }, new[] { lastLayerWeight }, retain_graph: true)[0];
        var gGan = torch.autograd.grad(new[] { ganLoss }, new[] { lastLayerWeight }, retain_graph: true)[0];
        return (gRec.norm() / (gGan.norm() + 1e-4)).clamp(0.0, MaxAdaptiveWeight).detach();
    }

    /// <summary>taming's adopt_weight: the GAN terms count from <paramref name="discriminatorStart"/> on, before that 0.</summary>
    public static double StartFactor(long step, long discriminatorStart) => step >= discriminatorStart ? 1.0 : 0.0;
}
