using AeLab.Data;
using AeLab.Models;
using AeLab.Models.Diffusion;
using AeLab.Models.PixelCnn;
using AeLab.Models.Quantization;
using AeLab.Models.VqGan;
using AeLab.Runtime;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>A model another lesson trains, as lesson 12 borrows it: the model (in evaluation mode), its training budget,
/// whether it was loaded (false: lesson 12 had to train it), the images it trained on, and the prior it samples codes
/// from when it has one.</summary>
public sealed record Borrowed<T>(T Model, TrainingBudget Budget, bool FromCheckpoint, ImageDataset TrainImages, nn.Module? Prior = null);

/// <summary>The VQ-GAN of lesson 11 with both of its priors.</summary>
public sealed record BorrowedVqGan(VqGanModel VqGan, MaskGitPrior MaskGit, AutoregressivePrior Autoregressive,
    TrainingBudget MaskGitBudget, TrainingBudget AutoregressiveBudget, bool FromCheckpoint);

/// <summary>
/// The generators of lessons 01, 03, 07, 09, 11 and 13 as lesson 12 scores them. Each comes through
/// <see cref="Checkpoint.LoadOrTrain"/> with the checkpoint name, configuration and recipe of the lesson that trains
/// it (<c>borrowed: true</c>): when that lesson has run, or from its shipped weights, it loads in seconds; otherwise
/// it trains exactly what that lesson would and saves it where that lesson finds it. Sizes follow full and smoke
/// mode as in the owning lesson. Keep each recipe equal to its lesson's: a configuration that differs trains anew.
/// </summary>
public static class CourseGenerators
{
    /// <summary>Lesson 01's MLP autoencoder (latent 20, hidden 256 and 128; 50 epochs on the 60 000 training images).</summary>
    public static Borrowed<MlpAutoencoder> Autoencoder01(ImageDataset fullTrain, ImageDataset fullTest)
    {
        var train = Lab.Smoke ? fullTrain.Take(2048) : fullTrain;
        var test = Lab.Smoke ? fullTest.Take(1024) : fullTest;
        int epochs = Lab.Pick(50, 2);
        Lab.Seed(0);
        var ae = new MlpAutoencoder(imageShape: new long[] { 1, 28, 28 }, latentSize: 20, hidden: new[] { 256, 128 }).to(Lab.Device);
        Lab.Seed(0);
        var run = Checkpoint.LoadOrTrain(Course.Checkpoint("01-autoencoder", "mlp-ae"), ae,
            () => Trainer.Fit(ae, new DataLoader(train, 512, shuffle: true, device: Lab.Device), epochs, learningRate: 1e-3,
                validation: new DataLoader(test, 1000, shuffle: false, device: Lab.Device), hookEvery: Lab.Pick(4, 1),
                logDir: Course.Runs("01-autoencoder")),
            config: new { latent = 20, hidden = new[] { 256, 128 }, epochs, lr = 1e-3, batch = 512 }, borrowed: true);
        ae.eval();
        return new(ae, TrainingBudget.Of(run.Epochs, train.Count), run.FromCheckpoint, train);
    }

    /// <summary>Lesson 03's adversarial autoencoder with a 2-dimensional code (15 epochs on the 60 000 training images).</summary>
    public static Borrowed<AdversarialAutoencoder> Adversarial03(ImageDataset fullTrain)
    {
        var train = Lab.Smoke ? fullTrain.Take(2048) : fullTrain;
        int epochs = Lab.Pick(15, 1);
        Lab.Seed(0);
        var aae = new AdversarialAutoencoder(latentSize: 2).to(Lab.Device);
        var run = Checkpoint.LoadOrTrain(Course.Checkpoint("03-variants", "aae-2d"), aae,
            () => new Trainer(aae, aae.CreateStep(lr: 1e-3, discriminatorLr: 2e-4, regularizationLr: 5e-4))
                .Fit(new DataLoader(train, 512, shuffle: true, device: Lab.Device), epochs),
            config: new { latent = 2, hidden = new[] { 512, 256 }, epochs, lr = 1e-3, discriminatorLr = 2e-4, regularizationLr = 5e-4 },
            borrowed: true);
        aae.eval();
        return new(aae, TrainingBudget.Of(run.Epochs, train.Count), run.FromCheckpoint, train);
    }

    /// <summary>Lesson 07's MLP VAE with h = 10 (30 epochs on the 60 000 training images).</summary>
    public static Borrowed<MlpVae> Vae07(ImageDataset fullTrain, ImageDataset fullTest)
    {
        var train = Lab.Smoke ? fullTrain.Take(1024) : fullTrain;
        var test = Lab.Smoke ? fullTest.Take(512) : fullTest;
        int epochs = Lab.Pick(30, 2);
        Lab.Seed(0);
        var vae = new MlpVae(latentSize: 10).to(Lab.Device);
        var run = Checkpoint.LoadOrTrain(Course.Checkpoint("07-vae-fashion-mnist", "mlp-vae-h10"), vae,
            () => Trainer.Fit(vae, new DataLoader(train, 128, shuffle: true, device: Lab.Device), epochs, learningRate: 1e-3,
                validation: new DataLoader(test, 500, shuffle: false, device: Lab.Device)),
            config: new { latentSize = 10, hidden = 128, epochs }, borrowed: true);
        vae.eval();
        return new(vae, TrainingBudget.Of(run.Epochs, train.Count), run.FromCheckpoint, train);
    }

    /// <summary>
    /// Lesson 09's Fashion-MNIST VQ-VAE (hidden 64, 7×7 code maps, 4 epochs on 20 000 training images) with the
    /// PixelCNN it trains on those images' code maps (12 epochs) as its <see cref="QuantizedAutoencoder.Prior"/>:
    /// with the EMA codebook and restarts (K = 128, D = 16) when <paramref name="levels"/> is null, else with finite
    /// scalar quantisation at those levels (lesson 09: 8, 4, 4).
    /// </summary>
    public static Borrowed<VqVae> VqVae09(ImageDataset fullTrain, ImageDataset fullTest, int[]? levels = null)
    {
        const int K = 128, D = 16, hidden = 64, fmBatch = 128, priorBatch = 128;
        const double fmLr = 2e-3, priorLr = 2e-3;
        int fmTrainCount = Lab.Pick(20_000, 256), fmValCount = Lab.Pick(2_000, 128), fmEpochs = Lab.Pick(4, 1), priorEpochs = Lab.Pick(12, 1);
        var train = fullTrain.Take(fmTrainCount);
        var valLoader = new DataLoader(fullTest.Take(fmValCount), fmBatch, shuffle: false, device: Lab.Device);
        // Lesson 09's configuration objects, property for property (a checkpoint stores its configuration as JSON).
        string suffix = levels is null ? $"ema-K{K}" : "fsq-" + string.Join("x", levels);
        object config = levels is null
            ? new { K, D, hidden, fmTrainCount, fmEpochs, fmBatch, fmLr }
            : new { K, D, hidden, fmTrainCount, fmEpochs, fmBatch, fmLr, levels = string.Join("x", levels) };
        Lab.Seed(0);
        IQuantizer quantizer = levels is null ? new EmaVectorQuantizer(K, D) : new FiniteScalarQuantizer(levels, dim: D);
        var vq = new VqVae(1, 28, quantizer, hidden: hidden).to(Lab.Device);
        var vqOpt = optim.Adam(vq.parameters(), fmLr);
        var vqRun = Checkpoint.LoadOrTrain(Course.Checkpoint("09-vq-vae", $"fmnist-{suffix}"), vq,
            () => new Trainer(vq, vqOpt) { Validation = valLoader, Schedule = Schedule.OneCycle(fmLr) }
                .Fit(new DataLoader(train, fmBatch, shuffle: true, dropLast: true, device: Lab.Device), fmEpochs),
            config: config, optimizer: vqOpt, borrowed: true);
        vq.eval();

        // Code maps as one-channel "images" of indices, as lesson 09 feeds them to its trainer.
        ImageDataset CodeMaps(IEnumerable<Batch> batches) => new(vq.EncodeIndices(batches).unsqueeze(1).to(float32));
        Lab.Seed(0);
        var prior = new PixelCnnPrior(K, vq.CodeSize, vq.CodeSize, channels: 64, blocks: 6, embedDim: 32).to(Lab.Device);
        var priorOpt = optim.Adam(prior.parameters(), priorLr);
        var priorRun = Checkpoint.LoadOrTrain(Course.Checkpoint("09-vq-vae", $"pixelcnn-fmnist-{(levels is null ? $"K{K}" : suffix)}"), prior,
            () =>
            {
                var codeTrain = CodeMaps(new DataLoader(train, 500, shuffle: false, device: Lab.Device));   // only when the prior trains
                var codeVal = CodeMaps(valLoader);
                return new Trainer(prior, priorOpt)
                {
                    Validation = new DataLoader(codeVal, 500, shuffle: false, device: Lab.Device), Schedule = Schedule.OneCycle(priorLr),
                }.Fit(new DataLoader(codeTrain, priorBatch, shuffle: true, dropLast: true, device: Lab.Device), priorEpochs);
            },
            config: new { K, priorEpochs, priorBatch, priorLr, codeMaps = train.Count }, optimizer: priorOpt, borrowed: true);
        prior.eval();
        vq.Prior = prior;
        return new(vq, TrainingBudget.Of(vqRun.Epochs, train.Count).Then(priorRun.Epochs, train.Count),
            vqRun.FromCheckpoint && priorRun.FromCheckpoint, train, prior);
    }

    /// <summary>
    /// Lesson 11's Fashion-MNIST VQ-GAN (32 base channels, EMA codebook K = 128, D = 32; 2 epochs of VQ-VAE steps and
    /// 1 with the PatchGAN on 6 000 training images, batch 32) and its two priors on the code maps of 20 000 training
    /// images (6 epochs each): MaskGIT and the autoregressive Transformer with pkeep 0.9. The VQ-GAN works on [−1, 1].
    /// </summary>
    public static BorrowedVqGan VqGan11(ImageDataset fullTrain, ImageDataset fullTest)
    {
        int trainCount = Lab.Pick(6_000, 256), shared = Lab.Pick(2, 1), gan = Lab.Pick(1, 1);
        int codeCount = Lab.Pick(20_000, 512), priorEpochs = Lab.Pick(6, 1);
        const int batch = 32;
        var minusOneOne = Transforms.NormalizeMinusOneToOne();
        var train = fullTrain.Take(trainCount);
        var val = fullTest.Take(Lab.Pick(1_000, 64));
        var trainLoader = new DataLoader(train, batch, shuffle: true, dropLast: true, transform: minusOneOne, device: Lab.Device);
        var valLoader = new DataLoader(val, batch, shuffle: false, transform: minusOneOne, device: Lab.Device);
        VqGanModel NewVqGan() => new VqGanModel(new EmaVectorQuantizer(128, 32), channels: 32, downsamples: 2, inChannels: 1, imageSize: 28).to(Lab.Device);
        var stage1 = new { imageSize = 28, codebookSize = 128, codeDim = 32, channels = 32, batchSize = batch, sharedEpochs = shared, n = trainCount };
        Lab.Seed(0);
        var first = NewVqGan();
        var sharedRun = Checkpoint.LoadOrTrain(Course.Checkpoint("11-vq-gan", "fmnist-shared"), first,
            () => new Trainer(first, new VqGanStep(first, null, learningRate: 2e-4)) { Validation = valLoader }.Fit(trainLoader, shared),
            config: stage1, borrowed: true);
        long discriminatorStart = (long)shared * trainLoader.Count;
        Lab.Seed(1);
        var vqgan = NewVqGan();
        vqgan.load_state_dict(first.state_dict());
        var discriminator = new PatchDiscriminator(1, baseChannels: 32, layers: 2).to(Lab.Device);
        var settings = new VqGanLossSettings(PerceptualWeight: 1.0, DiscriminatorWeight: 0.8, DiscriminatorStart: discriminatorStart);
        var ganRun = Checkpoint.LoadOrTrain(Course.Checkpoint("11-vq-gan", "fmnist-vqgan"), vqgan,
            () => new Trainer(vqgan, new VqGanStep(vqgan, discriminator, settings, learningRate: 2e-4) { GlobalStep = discriminatorStart })
                { Validation = valLoader }.Fit(trainLoader, gan),
            config: new { stage1, ganEpochs = gan, gan = settings }, borrowed: true);
        vqgan.eval();

        // Code maps [N, 7, 7] of images in [0, 1], encoded as the VQ-GAN sees them; the training maps only when a prior trains.
        Tensor Codes(ImageDataset images) =>
            vqgan.EncodeIndices(new DataLoader(images, 500, shuffle: false, transform: minusOneOne, device: Lab.Device)).to(Lab.Device);
        int side = vqgan.CodeSize;
        var valCodes = new Lazy<Tensor>(() => Codes(val));
        var trainCodes = new Lazy<Tensor>(() => Codes(fullTrain.Take(codeCount)));
        TrainResult TrainPrior(nn.Module prior, optim.Optimizer optimizer) =>
            new Trainer(prior, optimizer) { Validation = new TokenBatches(valCodes.Value, 64, shuffle: false), Schedule = Schedule.OneCycle(1e-3) }
                .Fit(new TokenBatches(trainCodes.Value, 64), priorEpochs);
        double stage1Mse = ganRun.Last!["val_mse"];
        Lab.Seed(2);
        var maskGit = MaskGitPrior.WithTransformer(128, side, side, dim: 128, heads: 4, layers: 3, dropout: 0.1).to(Lab.Device);
        var maskGitOpt = optim.AdamW(maskGit.parameters(), 1e-3, weight_decay: 0.01);
        var maskGitRun = Checkpoint.LoadOrTrain(Course.Checkpoint("11-vq-gan", "fmnist-maskgit"), maskGit, () => TrainPrior(maskGit, maskGitOpt),
            config: new { codebookSize = 128, codeSide = side, dim = 128, heads = 4, layers = 3, priorEpochs, n = codeCount, stage1 = stage1Mse },
            borrowed: true);
        maskGit.eval();
        Lab.Seed(6);
        var autoregressive = new AutoregressivePrior(128, side, side, dim: 128, heads: 4, layers: 3, dropout: 0.1, keepProbability: 0.9).to(Lab.Device);
        var autoregressiveOpt = optim.AdamW(autoregressive.parameters(), 1e-3, weight_decay: 0.01);
        var autoregressiveRun = Checkpoint.LoadOrTrain(Course.Checkpoint("11-vq-gan", "fmnist-autoregressive"), autoregressive,
            () => TrainPrior(autoregressive, autoregressiveOpt),
            config: new { codebookSize = 128, codeSide = side, dim = 128, heads = 4, layers = 3, keep = 0.9, priorEpochs, n = codeCount, stage1 = stage1Mse },
            borrowed: true);
        autoregressive.eval();
        return new(vqgan, maskGit, autoregressive,
            TrainingBudget.Of(sharedRun.Epochs + ganRun.Epochs, trainCount).Then(maskGitRun.Epochs, codeCount),
            TrainingBudget.Of(sharedRun.Epochs + ganRun.Epochs, trainCount).Then(autoregressiveRun.Epochs, codeCount),
            sharedRun.FromCheckpoint && ganRun.FromCheckpoint && maskGitRun.FromCheckpoint && autoregressiveRun.FromCheckpoint);
    }
    /// <summary>
    /// Lesson 13's latent diffusion model for Fashion-MNIST: the conv VAE (4×7×7 latents, 32 base channels, a smooth output, KL weight
    /// 0.1; 4 epochs on the 60 000 training images, images in [0, 1]) and the U-Net denoiser over its posterior means
    /// scaled to unit variance (linear schedule, T = 1 000; 8 epochs on the 60 000 latents). Samples: DDIM in 50 steps.
    /// Reconstruction: <see cref="LatentDiffusion.Reconstruct"/>, the decoder of the posterior mean.
    /// </summary>
    public static Borrowed<LatentDiffusion> LatentDiffusion13(ImageDataset fullTrain, ImageDataset fullTest)
    {
        var train = Lab.Smoke ? fullTrain.Take(1024) : fullTrain;
        var test = (Lab.Smoke ? fullTest.Take(512) : fullTest).Take(2000);
        int vaeEpochs = Lab.Pick(4, 1), priorEpochs = Lab.Pick(8, 1), T = Lab.Pick(1000, 100);
        const double lr = 2e-3, klWeight = 0.1;
        const int denoiserWidth = 32;
        var validation = new DataLoader(test, 500, shuffle: false, device: Lab.Device);
        Lab.Seed(0);
        var vae = new ConvVae(inChannels: 1, latentChannels: 4, klWeight: klWeight, imageSize: 28, downsamples: 2, baseChannels: 32, smoothOutput: true).to(Lab.Device);
        var vaeOpt = optim.Adam(vae.parameters(), lr);
        var vaeRun = Checkpoint.LoadOrTrain(Course.Checkpoint("13-latent-diffusion", "fmnist-vae"), vae,
            () => new Trainer(vae, vaeOpt) { Validation = validation, Schedule = Schedule.OneCycle(lr) }
                .Fit(new DataLoader(train, 128, shuffle: true, dropLast: true, device: Lab.Device), vaeEpochs),
            config: new { imageSize = 28, latentChannels = 4, baseChannels = 32, downsamples = 2, smoothOutput = true, klWeight, epochs = vaeEpochs, lr, batch = 128, n = train.Count },
            borrowed: true);
        vae.eval();

        var schedule = NoiseSchedule.Linear(T, betaStart: 0.1 / T, betaEnd: 20.0 / T);
        Lab.Seed(1);
        var denoiser = new Denoiser(4, 7, 7, schedule, baseChannels: denoiserWidth);
        var prior = new LatentDiffusion(vae, denoiser).to(Lab.Device);   // the scale: from the checkpoint, or set below
        var priorOpt = optim.Adam(prior.parameters(), lr);
        var priorRun = Checkpoint.LoadOrTrain(Course.Checkpoint("13-latent-diffusion", "fmnist-prior"), prior,
            () =>
            {
                // Only when the prior trains: the posterior means of every training image (and of the validation images).
                var mu = LatentDiffusion.PosteriorMeans(vae, train);
                prior.SetScale(LatentDiffusion.ScaleOf(mu));
                return new Trainer(prior, priorOpt)
                {
                    Validation = new DataLoader(new ImageDataset(LatentDiffusion.PosteriorMeans(vae, test)), 500, shuffle: false, device: Lab.Device),
                    Schedule = Schedule.OneCycle(lr),
                }.Fit(new DataLoader(new ImageDataset(mu), 256, shuffle: true, dropLast: true, device: Lab.Device), priorEpochs);
            },
            config: new { schedule = schedule.Kind, steps = T, baseChannels = denoiserWidth, epochs = priorEpochs, lr, batch = 256, n = (long)train.Count,
                vae = "smooth output" },
            borrowed: true);
        prior.eval();
        return new(prior, TrainingBudget.Of(vaeRun.Epochs, train.Count).Then(priorRun.Epochs, train.Count),
            vaeRun.FromCheckpoint && priorRun.FromCheckpoint, train, prior);
    }
}
