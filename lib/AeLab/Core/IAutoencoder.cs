using AeLab.Data;
using static TorchSharp.torch;

namespace AeLab.Core;

/// <summary>
/// The one shape every model of the course shares, so lessons can compare them and the trainer can
/// train any of them: encode, decode, a loss with named metrics, and sampling.
/// </summary>
public interface IAutoencoder : ITrainable
{
    /// <summary>The shape of one input, e.g. [1, 28, 28] or [3, 64, 64] (the model checks what it gets).</summary>
    long[] InputShape { get; }

    /// <summary>The shape of one code: [d] for a vector, [c, h, w] for a map (a VQ model's indices are [h, w]).</summary>
    long[] LatentShape { get; }

    /// <summary>Maps a batch of inputs to codes (for a VAE: the posterior mean).</summary>
    Tensor Encode(Tensor x);

    /// <summary>Maps codes back to the input space (in the range the model's data uses).</summary>
    Tensor Decode(Tensor z);

    /// <summary>Training loss for a batch of inputs plus named metrics to log (e.g. "mse", "kl").</summary>
    LossOutput Loss(Tensor x);

    /// <summary>Draws <paramref name="n"/> samples: decodes draws from the model's prior.
    /// A plain autoencoder has no prior; it decodes N(0, I) codes, which is exactly why it is not a generator.</summary>
    Tensor Sample(int n);

    LossOutput ITrainable.Loss(Batch batch) => Loss(batch.X);
}

/// <summary>
/// A prior over code maps (PixelCNN, MaskGIT, the autoregressive transformer): trained like any model on code maps,
/// it draws new maps for a VQ model's decoder.
/// </summary>
public interface IPrior : ITrainable
{
    /// <summary>K, the number of codes.</summary>
    int CodebookSize { get; }

    /// <summary>Height and width of the code maps it models.</summary>
    (int Height, int Width) MapSize { get; }

    /// <summary>−log-likelihood per code (nats) of code maps [B, H, W] int64 (or [B, 1, H, W] as a data loader carries them), with metrics.</summary>
    LossOutput Loss(Tensor codes);

    /// <summary>Draws <paramref name="n"/> code maps [n, H, W] int64.</summary>
    Tensor Sample(int n);

    LossOutput ITrainable.Loss(Batch batch) => Loss(batch.X);
}
