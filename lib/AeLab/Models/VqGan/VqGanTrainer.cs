using System.Diagnostics;
using AeLab.Data;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>How stage 1 weighs its terms (taming-transformers' VQLPIPSWithDiscriminator, defaults as there).</summary>
/// <param name="PerceptualWeight">Weight of the perceptual term (LPIPS when given, else discriminator feature matching).</param>
/// <param name="DiscriminatorWeight">Multiplies the adaptive weight λ (taming: 0.8 or 1.0).</param>
/// <param name="DiscriminatorStart">Global step from which the discriminator trains and the GAN terms count.</param>
/// <param name="AdaptiveWeight">Use λ = ‖∇L_rec‖/(‖∇L_GAN‖+1e-4); when false λ = 1.</param>
public sealed record VqGanLossSettings(double PerceptualWeight = 1.0, double DiscriminatorWeight = 0.8,
    long DiscriminatorStart = 0, bool AdaptiveWeight = true);

/// <summary>
/// Stage-1 training of <see cref="VqGanModel"/>. Each step updates the autoencoder on
/// L = L1 + w_p·L_perceptual + f·λ·L_G + L_VQ, with L_G = −E[D(x̂)] the hinge generator loss, λ the adaptive weight
/// and f = 0 before <see cref="VqGanLossSettings.DiscriminatorStart"/>, 1 after; then (from the start step on) the
/// discriminator on the hinge loss. Without a discriminator it trains the plain VQ-VAE (L1 + L_VQ) with the same
/// optimiser and data, which is the course's baseline.
/// </summary>
public sealed class VqGanTrainer
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
    public VqGanTrainer(VqGanModel model, PatchDiscriminator? discriminator, VqGanLossSettings? settings = null,
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

    /// <summary>One generator (and discriminator) update on images x in [−1, 1]; returns detached metrics.</summary>
    public Dictionary<string, Tensor> TrainStep(Tensor x)
    {
        using var scope = NewDisposeScope();
        model.train();
        var metrics = new Dictionary<string, Tensor>();
        bool gan = GanActive;

        // Generator: the autoencoder against a frozen discriminator.
        generatorOptimizer.zero_grad();
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
                : tensor(Settings.DiscriminatorWeight, device: x.device);
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
            discriminatorOptimizer!.zero_grad();
            var real = discriminator!.forward(x);
            var fake = discriminator.forward(recon.detach());
            var d = GanLosses.DiscriminatorHinge(real, fake);
            d.backward();
            discriminatorOptimizer.step();
            metrics["d_loss"] = d.detach();
            metrics["d_real"] = real.mean().detach();
            metrics["d_fake"] = fake.mean().detach();
        }
        GlobalStep++;

        metrics["loss"] = loss.detach();
        metrics["l1"] = l1.detach();
        metrics["mse"] = (recon - x).pow(2).mean().detach();
        metrics["perplexity"] = q.Perplexity.detach();
        foreach (var t in metrics.Values) t.MoveToOuterDisposeScope();
        return metrics;
    }

    static void SetTrainable(nn.Module module, bool on)
    {
        foreach (var p in module.parameters()) p.requires_grad = on;
    }

    /// <summary>L1, MSE and perplexity of the reconstructions of <paramref name="batches"/> (eval mode, no gradients).</summary>
    public Dictionary<string, double> Evaluate(IEnumerable<Batch> batches)
    {
        model.eval();
        double l1 = 0, mse = 0, ppl = 0; int n = 0;
        using (no_grad())
            foreach (var b in batches)
            {
                using var scope = NewDisposeScope();
                var (recon, q) = model.Reconstruct(b.X);
                l1 += (recon - b.X).abs().mean().item<float>();
                mse += (recon - b.X).pow(2).mean().item<float>();
                ppl += q.Perplexity.item<float>();
                n++;
            }
        if (n == 0) throw new ArgumentException("The validation batches were empty.", nameof(batches));
        return new() { ["val_l1"] = l1 / n, ["val_mse"] = mse / n, ["val_perplexity"] = ppl / n };
    }

    /// <summary>
    /// Trains <paramref name="epochs"/> passes over <paramref name="train"/>; each epoch's record holds the means of the
    /// step metrics and, with <paramref name="validation"/>, "val_l1", "val_mse", "val_perplexity".
    /// </summary>
    public TrainResult Fit(IEnumerable<Batch> train, int epochs, IEnumerable<Batch>? validation = null,
        Action<EpochRecord>? onEpoch = null, bool quiet = false)
    {
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be at least 1.");
        var history = new List<EpochRecord>();
        var total = Stopwatch.StartNew();
        for (int e = 1; e <= epochs; e++)
        {
            var sw = Stopwatch.StartNew();
            var sums = new Dictionary<string, (Tensor Sum, int Count)>();
            int steps = 0;
            foreach (var b in train)
            {
                var m = TrainStep(b.X);
                foreach (var (k, v) in m)
                {
                    if (sums.TryGetValue(k, out var s)) { sums[k] = (s.Sum.add_(v), s.Count + 1); v.Dispose(); }
                    else { sums[k] = (v.to(float64), 1); v.Dispose(); }
                }
                steps++;
            }
            if (steps == 0) throw new ArgumentException("The training batches were empty: give a data loader with at least one batch.", nameof(train));
            var means = sums.ToDictionary(kv => kv.Key, kv => kv.Value.Sum.item<double>() / kv.Value.Count);
            foreach (var s in sums.Values) s.Sum.Dispose();
            if (validation != null) foreach (var (k, v) in Evaluate(validation)) means[k] = v;
            var record = new EpochRecord(e, means, sw.Elapsed.TotalSeconds);
            history.Add(record);
            if (!quiet) Console.WriteLine(record);
            onEpoch?.Invoke(record);
            if (!double.IsFinite(means["loss"]))
                return new TrainResult(history, total.Elapsed.TotalSeconds, $"loss became {means["loss"]} in epoch {e}");
        }
        model.eval();
        return new TrainResult(history, total.Elapsed.TotalSeconds);
    }
}
