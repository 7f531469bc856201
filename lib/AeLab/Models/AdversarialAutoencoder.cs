using AeLab.Core;
using AeLab.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// The adversarial autoencoder (lesson 03, Makhzani et al. 2015): an MLP autoencoder plus a discriminator
/// D that tells codes z = g(x) from draws of a chosen prior p(z) = N(0, I). The encoder is trained both to
/// reconstruct and to fool D, so the codes of the data end up distributed like the prior, and decoding
/// prior draws (<see cref="Sample"/>) gives plausible images.
/// </summary>
public sealed class AdversarialAutoencoder : nn.Module<Tensor, Tensor>, IAutoencoder
{
    readonly MlpAutoencoder autoencoder;
    readonly Sequential discriminator;

    public int LatentSize => autoencoder.LatentSize;
    public MlpAutoencoder Autoencoder => autoencoder;
    public long[] InputShape => autoencoder.InputShape;
    public long[] LatentShape => autoencoder.LatentShape;

    /// <summary>D: z → logit of "z came from the prior".</summary>
    public Sequential Discriminator => discriminator;

    public AdversarialAutoencoder(int latentSize = 2, long[]? imageShape = null, int[]? hidden = null, int discriminatorHidden = 256)
        : base(nameof(AdversarialAutoencoder))
    {
        autoencoder = new MlpAutoencoder(imageShape, latentSize, hidden ?? new[] { 512, 256 });
        discriminator = nn.Sequential(
            nn.Linear(latentSize, discriminatorHidden), nn.LeakyReLU(0.2),
            nn.Linear(discriminatorHidden, discriminatorHidden), nn.LeakyReLU(0.2),
            nn.Linear(discriminatorHidden, 1));
        RegisterComponents();
    }

    /// <summary>Draws n codes from the prior N(0, I).</summary>
    public Tensor Prior(int n) => randn(n, LatentSize, device: this.DeviceOf());

    public Tensor Encode(Tensor x) => autoencoder.Encode(x);
    public Tensor Decode(Tensor z) => autoencoder.Decode(z);
    public override Tensor forward(Tensor x) => autoencoder.forward(x);

    /// <summary>Reconstruction loss only (the adversarial parts need their own optimizers: see <see cref="CreateStep"/>).</summary>
    public LossOutput Loss(Tensor x) => autoencoder.Loss(x);

    /// <summary>Decodes draws of the prior: meaningful once the codes match the prior.</summary>
    public Tensor Sample(int n) => Decode(Prior(n));

    /// <summary>The three optimizers of one training step.</summary>
    public sealed record Optimizers(optim.Optimizer Reconstruction, optim.Optimizer Discriminator, optim.Optimizer Generator);

    /// <summary>Adam for encoder+decoder (reconstruction), for D, and for the encoder alone (regularisation).</summary>
    /// <remarks>The regularisation step gets a larger rate than D: with both at 2e-4, on Fashion-MNIST with a 2-d code,
    /// D wins after about nine epochs (its loss falls towards 0) and the codes drift off the prior; at 5e-4 the game stays
    /// near its equilibrium (D's loss near 2 ln 2) and the codes end with mean ≈ 0 and standard deviation ≈ 1.</remarks>
    public Optimizers CreateOptimizers(double lr = 1e-3, double discriminatorLr = 2e-4, double regularizationLr = 5e-4) => new(
        optim.Adam(autoencoder.parameters(), lr),
        optim.Adam(discriminator.parameters(), discriminatorLr, beta1: 0.5),
        optim.Adam(autoencoder.Encoder.parameters(), regularizationLr, beta1: 0.5));

    /// <summary>The training step for <c>Trainer</c>, with the three optimizers of <see cref="CreateOptimizers"/>:
    /// <c>new Trainer(aae, aae.CreateStep())</c>.</summary>
    public AdversarialStep CreateStep(double lr = 1e-3, double discriminatorLr = 2e-4, double regularizationLr = 5e-4) =>
        new(this, CreateOptimizers(lr, discriminatorLr, regularizationLr));

    /// <summary>
    /// One AAE step on a batch: (1) reconstruction update of encoder and decoder; (2) D learns prior draws → 1,
    /// codes → 0; (3) the encoder learns to make D say 1 for its codes. Reports "loss" (the reconstruction loss),
    /// "d_loss" and "g_loss".
    /// </summary>
    public sealed class AdversarialStep(AdversarialAutoencoder model, Optimizers optimizers) : IMultiStep
    {
        public Optimizers Optimizers { get; } = optimizers;

        LossOutput IMultiStep.Step(Batch batch) => Run(batch.X);

        /// <summary>The three updates on images <paramref name="x"/>; the losses are detached.</summary>
        public LossOutput Run(Tensor x)
        {
            var opt = Optimizers;
            model.train();

            opt.Reconstruction.ClearGradients();
            var rec = model.autoencoder.Loss(x).Loss;
            rec.backward();
            opt.Reconstruction.step();

            opt.Discriminator.ClearGradients();
            var fake = model.Encode(x).detach();
            var real = model.Prior((int)x.shape[0]);
            var dReal = model.discriminator.forward(real);
            var dFake = model.discriminator.forward(fake);
            var dLoss = nn.functional.binary_cross_entropy_with_logits(dReal, ones_like(dReal))
                      + nn.functional.binary_cross_entropy_with_logits(dFake, zeros_like(dFake));
            dLoss.backward();
            opt.Discriminator.step();

            opt.Generator.ClearGradients();
            var dCodes = model.discriminator.forward(model.Encode(x));
            var gLoss = nn.functional.binary_cross_entropy_with_logits(dCodes, ones_like(dCodes));
            gLoss.backward();
            opt.Generator.step();

            return new LossOutput(rec.detach(), new Dictionary<string, Tensor> { ["d_loss"] = dLoss.detach(), ["g_loss"] = gLoss.detach() });
        }

        /// <summary>The reconstruction loss on a validation batch.</summary>
        public LossOutput Validate(Batch batch) => model.Loss(batch.X);
    }
}
