using System.Diagnostics;
using AeLab.Data;
using AeLab.Training;
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
    public Tensor Prior(int n) => randn(n, LatentSize, device: discriminator.parameters().First().device);

    public Tensor Encode(Tensor x) => autoencoder.Encode(x);
    public Tensor Decode(Tensor z) => autoencoder.Decode(z);
    public override Tensor forward(Tensor x) => autoencoder.forward(x);

    /// <summary>Reconstruction loss only (the adversarial parts need their own optimizers: see <see cref="TrainStep"/>).</summary>
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

    /// <summary>
    /// One AAE step on batch x: (1) reconstruction update of encoder and decoder; (2) D learns prior draws → 1,
    /// codes → 0; (3) the encoder learns to make D say 1 for its codes. Returns the three losses.
    /// </summary>
    public (double Reconstruction, double Discriminator, double Generator) TrainStep(Tensor x, Optimizers opt)
    {
        using var _ = NewDisposeScope();
        train();

        opt.Reconstruction.zero_grad();
        var rec = autoencoder.Loss(x).Loss;
        rec.backward();
        opt.Reconstruction.step();

        opt.Discriminator.zero_grad();
        var fake = Encode(x).detach();
        var real = Prior((int)x.shape[0]);
        var dReal = discriminator.forward(real);
        var dFake = discriminator.forward(fake);
        var dLoss = nn.functional.binary_cross_entropy_with_logits(dReal, ones_like(dReal))
                  + nn.functional.binary_cross_entropy_with_logits(dFake, zeros_like(dFake));
        dLoss.backward();
        opt.Discriminator.step();

        opt.Generator.zero_grad();
        var dCodes = discriminator.forward(Encode(x));
        var gLoss = nn.functional.binary_cross_entropy_with_logits(dCodes, ones_like(dCodes));
        gLoss.backward();
        opt.Generator.step();

        return (rec.item<float>(), dLoss.item<float>(), gLoss.item<float>());
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> passes over <paramref name="batches"/> with <see cref="TrainStep"/>,
    /// reporting per epoch the mean "loss" (reconstruction), "d_loss" and "g_loss".
    /// </summary>
    public TrainResult Fit(IEnumerable<Batch> batches, int epochs, double lr = 1e-3, double discriminatorLr = 2e-4, double regularizationLr = 5e-4,
        Action<EpochRecord>? onEpoch = null)
    {
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be at least 1.");
        var opt = CreateOptimizers(lr, discriminatorLr, regularizationLr);
        var history = new List<EpochRecord>();
        // Streamed batches (a data loader) are freed after their step; a list reused every epoch is not.
        bool dispose = batches is not System.Collections.ICollection;
        var total = Stopwatch.StartNew();
        for (int e = 1; e <= epochs; e++)
        {
            var sw = Stopwatch.StartNew();
            double r = 0, d = 0, g = 0; int n = 0;
            foreach (var b in batches)
            {
                var s = TrainStep(b.X, opt);
                r += s.Reconstruction; d += s.Discriminator; g += s.Generator; n++;
                if (dispose) b.Dispose();
            }
            if (n == 0) throw new ArgumentException("The batches were empty: give a data loader with at least one batch.", nameof(batches));
            var rec = new EpochRecord(e, new Dictionary<string, double> { ["loss"] = r / n, ["d_loss"] = d / n, ["g_loss"] = g / n }, sw.Elapsed.TotalSeconds);
            history.Add(rec);
            onEpoch?.Invoke(rec);
        }
        eval();
        return new TrainResult(history, total.Elapsed.TotalSeconds);
    }
}
