using AeLab.Data;
using AeLab.Models;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Bench;

/// <summary>What the data pipeline costs next to training.</summary>
/// <param name="LoaderOverTrain">Loader time alone per epoch ÷ training time per epoch on ready tensors (how close loading comes to being the bottleneck).</param>
/// <param name="EpochRatio">Training epoch with the real loader ÷ the same epoch on ready tensors (1.00 = loading fully hidden; the datasets goal is ≤ 1.05).</param>
public sealed record PipelineResult(string Data, string Model, int Batch, int Batches, string Transform,
    double LoaderOnlyS, double ReadyEpochS, double LoaderEpochS, double LoaderOverTrain, double EpochRatio, double LoaderImagesPerS);

/// <summary>
/// The data-pipeline ratios: Fashion-MNIST under the lesson-01 MLP AE (a whole epoch), and Pokémon 128 px
/// with the lesson-08 augmentation under the conv VAE (a slice of the epoch: its steps are the slow ones).
/// Both train through <see cref="Trainer"/>, as the lessons do.
/// </summary>
public static class Pipeline
{
    public static readonly string[] Names = { "fashion-mnist", "pokemon-128" };

    public static PipelineResult Run(string which, Options o)
    {
        Lab.Seed(0);
        ImageDataset data;
        nn.Module model;
        optim.Optimizer opt;
        BatchTransform? transform;
        int batch;
        string modelName, transformName;
        if (which == "fashion-mnist")
        {
            data = FashionMnist.Load(train: true);
            batch = 512;
            if (o.Quick) data = data.Take(batch * 6);
            var m = new MlpAutoencoder();
            (model, opt, transform, modelName, transformName) = (m, optim.Adam(m.parameters(), 1e-3), null, "mlp-ae", "none");
        }
        else if (which == "pokemon-128")
        {
            data = Pokemon.Load(size: 128, split: "train");
            batch = 8;
            data = data.Take(batch * (o.Quick ? 3 : 24));
            var m = new ConvVae();
            (model, opt, transform, modelName, transformName) = (m, optim.AdamW(m.parameters(), 1e-3, weight_decay: 1e-4),
                Transforms.Augment(128, minusOneToOne: true), "conv-vae-128", "Augment(128, [-1,1]): flip, rotate, colour jitter");
        }
        else throw new ArgumentException($"Unknown pipeline '{which}'. Use one of: {string.Join(", ", Names)}.", nameof(which));

        using (model)
        using (opt)
        {
            var loader = new DataLoader(data, batch, shuffle: true, dropLast: true, transform: transform, device: CPU);
            // The same batches, made once and kept: training on these costs no loading at all.
            var ready = new List<Batch>();
            foreach (var b in loader) ready.Add(new Batch(b.X.clone().DetachFromDisposeScope(), b.Y?.clone().DetachFromDisposeScope()));

            var trainer = new Trainer(model, opt) { Quiet = true };
            trainer.Fit(ready.Take(2).ToList(), 1); // warm-up

            double loaderOnly = Measure.Seconds(() => { foreach (var _ in loader) { } });
            int epoch = 1;
            double readyA = Measure.Seconds(() => trainer.Fit(ready, ++epoch));
            double withLoader = Measure.Seconds(() => trainer.Fit(loader, ++epoch));
            double readyB = Measure.Seconds(() => trainer.Fit(ready, ++epoch));
            double readyEpoch = (readyA + readyB) / 2; // before and after, so drift in the machine's speed cancels

            foreach (var b in ready) b.Dispose();
            return new PipelineResult(which, modelName, batch, loader.Count, transformName,
                loaderOnly, readyEpoch, withLoader, loaderOnly / readyEpoch, withLoader / readyEpoch, loader.Count * batch / loaderOnly);
        }
    }
}
