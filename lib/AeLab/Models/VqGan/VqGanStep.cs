using AeLab.Core;
using AeLab.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>How stage 1 weighs its terms (taming-transformers' VQLPIPSWithDiscriminator, defaults as there).</summary>
/// <param name="PerceptualWeight">Weight of the perceptual term (LPIPS when given, else discriminator feature matching).</param>
/// <param name="DiscriminatorWeight">Multiplies the adaptive weight λ (taming: 0.8 or 1.0). With the adaptive weight on, the
/// GAN term's gradient at the decoder's last layer then has this fraction of the reconstruction term's norm, however little
/// the discriminator has learnt: near 1 the generator moves as far towards each new direction the discriminator finds as
/// towards a better reconstruction, fast enough to erase it, and a fresh discriminator may never separate real images
/// from reconstructions (<see cref="DiscriminatorReport"/> shows it per epoch). A smaller weight, such as 0.1, lets it learn
/// first.</param>
/// <param name="DiscriminatorStart">Global step from which the discriminator trains and the GAN terms count.</param>
/// <param name="AdaptiveWeight">Use λ = ‖∇L_rec‖/(‖∇L_GAN‖+1e-4); when false λ = 1.</param>
public sealed record VqGanLossSettings(double PerceptualWeight = 1.0, double DiscriminatorWeight = 0.8,
    long DiscriminatorStart = 0, bool AdaptiveWeight = true);

/// <summary>
/// Stage-1 training of <see cref="VqGanModel"/>, as a step for the course's <c>Trainer</c>
/// (<c>new Trainer(model, new VqGanStep(model, discriminator))</c>). Each step updates the autoencoder on
/// L = L1 + w_p·L_perceptual + f·λ·L_G + L_VQ, with L_G = −E[D(x̂)] the hinge generator loss, λ the adaptive weight
/// and f = 0 before <see cref="VqGanLossSettings.DiscriminatorStart"/>, 1 after; then (from the start step on) the
/// discriminator on the hinge loss. Without a discriminator it trains the plain VQ-VAE (L1 + L_VQ) with the same
/// optimiser and data, which is the course's baseline.
/// </summary>
public sealed class VqGanStep : IMultiStep
{
    readonly VqGanModel model;
    readonly PatchDiscriminator? discriminator;
    readonly Lpips? lpips;
    readonly optim.Optimizer generatorOptimizer;
    readonly optim.Optimizer? discriminatorOptimizer;

    public VqGanLossSettings Settings { get; }

    /// <summary>Steps taken (set it when continuing from a checkpoint so the discriminator start stays in place).</summary>
    public long GlobalStep { get; set; }

    /// <param name="discriminator">Null for the VQ-VAE baseline.</param>
    /// <param name="lpips">Optional LPIPS (<see cref="Lpips.FromFile"/>) as the perceptual term instead of feature matching.</param>
    /// <param name="learningRate">Adam with β = (0.5, 0.9) for both networks, as taming.</param>
    public VqGanStep(VqGanModel model, PatchDiscriminator? discriminator, VqGanLossSettings? settings = null,
        double learningRate = 2e-4, Lpips? lpips = null)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        this.discriminator = discriminator;
        this.lpips = lpips;
        Settings = settings ?? new VqGanLossSettings();
        if (learningRate <= 0) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learningRate must be positive.");
        generatorOptimizer = optim.Adam(model.parameters(), learningRate, beta1: 0.5, beta2: 0.9);
        if (discriminator != null) discriminatorOptimizer = optim.Adam(discriminator.parameters(), learningRate, beta1: 0.5, beta2: 0.9);
    }

    bool GanActive => discriminator != null && GlobalStep >= Settings.DiscriminatorStart;

    /// <summary>One generator (and discriminator) update on a batch of images in [−1, 1]; the loss and metrics are detached.</summary>
    public LossOutput Step(Batch batch)
    {
        var x = batch.X;
        bool gan = GanActive;
        CheckCanTrain(gan);
        model.train();
        var metrics = new Dictionary<string, Tensor>();

        // Generator: the autoencoder against a frozen discriminator.
        generatorOptimizer.ClearGradients();
        var (recon, q) = model.Reconstruct(x);
        var l1 = (recon - x).abs().mean();
        var nll = l1;
        Tensor? fakeLogits = null;
        if (discriminator != null && (gan || lpips != null))
        {
            SetTrainable(discriminator, false);
            if (gan)
            {
                var (logits, fakeFeatures) = discriminator.Features(recon);
                fakeLogits = logits;
                if (lpips == null)
                {
                    IReadOnlyList<Tensor> realFeatures;
                    using (no_grad()) realFeatures = discriminator.Features(x).Features;
                    var fm = GanLosses.FeatureMatching(realFeatures, fakeFeatures);
                    nll = nll + Settings.PerceptualWeight * fm;
                    metrics["perceptual"] = fm.detach();
                }
            }
        }
        if (lpips != null)
        {
            var p = lpips.forward(x, recon).mean();
            nll = nll + Settings.PerceptualWeight * p;
            metrics["perceptual"] = p.detach();
        }
        var loss = nll + model.QuantizerLoss(q);
        if (fakeLogits is not null)
        {
            var g = GanLosses.GeneratorHinge(fakeLogits);
            var lambda = Settings.AdaptiveWeight
                ? GanLosses.AdaptiveWeight(nll, g, model.LastLayerWeight) * Settings.DiscriminatorWeight
                : tensor(Settings.DiscriminatorWeight, dtype: g.dtype, device: x.device);   // float64 would promote the loss
            loss = loss + lambda * g;
            metrics["g_loss"] = g.detach();
            metrics["lambda"] = lambda;
        }
        loss.backward();
        generatorOptimizer.step();
        if (discriminator != null) SetTrainable(discriminator, true);

        // Discriminator: hinge loss on originals vs (detached) reconstructions.
        if (gan)
        {
            discriminatorOptimizer!.ClearGradients();
            var real = discriminator!.forward(x);
            var fake = discriminator.forward(recon.detach());
            var d = GanLosses.DiscriminatorHinge(real, fake);
            d.backward();
            discriminatorOptimizer.step();
            metrics["d_loss"] = d.detach();
            metrics["d_real"] = real.mean().detach();
            metrics["d_fake"] = fake.mean().detach();
            // Patches on the right side of zero: 0.5 is chance, 1 a discriminator that tells every patch apart.
            metrics["d_accuracy"] = ((real.gt(0).to(real.dtype).mean() + fake.lt(0).to(fake.dtype).mean()) / 2).detach();
        }
        GlobalStep++;

        metrics["l1"] = l1.detach();
        metrics["mse"] = (recon - x).pow(2).mean().detach();
        metrics["perplexity"] = q.Perplexity.detach();
        return new LossOutput(loss.detach(), metrics);
    }

    // Refused before anything changes: the adaptive weight's autograd.grad would end the process on either mistake.
    void CheckCanTrain(bool gan)
    {
        if (!is_grad_enabled())
            throw new InvalidOperationException("VqGanStep.Step trains, so it needs gradients: expected them switched on, got a call inside no_grad(). " +
                                                "Call Step outside no_grad(); Validate is the step for evaluation.");
        if (!model.parameters().Any(p => p.requires_grad))
            throw new InvalidOperationException("VqGanStep.Step trains the model: expected parameters that require gradients, got a model " +
                                                "whose parameters are all frozen (requires_grad false). Unfreeze them before training.");
        if (gan && Settings.AdaptiveWeight && !model.LastLayerWeight.requires_grad)
            throw new InvalidOperationException("VqGanStep.Step's adaptive weight differentiates the decoder's last layer: expected " +
                                                "model.LastLayerWeight.requires_grad true, got false (the layer is frozen). Unfreeze it, or " +
                                                "build the step with new VqGanLossSettings(AdaptiveWeight: false).");
    }

    static void SetTrainable(nn.Module module, bool on)
    {
        foreach (var p in module.parameters()) p.requires_grad = on;
    }

    /// <summary>The model's own metrics on a validation batch (the trainer runs it in eval mode without gradients), with the
    /// L1 error as the loss: "val_loss" = "val_l1", "val_mse", "val_perplexity" and the quantiser terms.</summary>
    public LossOutput Validate(Batch batch)
    {
        var metrics = model.Loss(batch.X).Metrics;
        return new LossOutput(metrics["l1"], metrics);
    }
}
