using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>
/// The one shape every model of the course shares, so lessons can compare them and the trainer can
/// train any of them: encode, decode, a loss with named metrics, and sampling.
/// </summary>
public interface IAutoencoder
{
    /// <summary>Maps a batch of inputs to codes (for a VAE: the posterior mean).</summary>
    Tensor Encode(Tensor x);

    /// <summary>Maps codes back to the input space (in the range the model's data uses).</summary>
    Tensor Decode(Tensor z);

    /// <summary>Training loss for a batch plus named metrics to log (e.g. "mse", "kl").</summary>
    LossOutput Loss(Tensor x);

    /// <summary>Draws <paramref name="n"/> samples: decodes draws from the model's prior.
    /// A plain autoencoder has no prior; it decodes N(0, I) codes, which is exactly why it is not a generator.</summary>
    Tensor Sample(int n);
}

/// <summary>A loss to minimise and metrics to report (scalars, detached by the trainer).</summary>
public sealed record LossOutput(Tensor Loss, IReadOnlyDictionary<string, Tensor> Metrics)
{
    public LossOutput(Tensor loss) : this(loss, new Dictionary<string, Tensor>()) { }
}
