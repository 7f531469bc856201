using AeLab.Core;
using static TorchSharp.torch;

namespace AeLab.Models;

/// <summary>How an image autoencoder scores a reconstruction against its target.</summary>
public enum ReconstructionLoss
{
    /// <summary>Per-pixel sigmoid cross-entropy on the decoder's logits (targets in [0,1]); numerically stable.</summary>
    BceWithLogits,
    /// <summary>Mean squared error between the reconstruction in [0,1] and the target.</summary>
    Mse,
}

/// <summary>Loss helpers shared by the image autoencoders.</summary>
public static class Reconstruction
{
    /// <summary>
    /// Loss of decoder <paramref name="logits"/> against <paramref name="target"/> (both [B, ...], target in [0,1]),
    /// with the per-pixel "mse" (and "bce" when used) as metrics. BCE is computed from logits, never from
    /// sigmoid outputs: log(sigmoid(x)) underflows to -inf for very negative x, the fused form does not.
    /// </summary>
    public static LossOutput FromLogits(Tensor logits, Tensor target, ReconstructionLoss kind)
    {
        var x = target.reshape(logits.shape);
        var recon = nn.functional.sigmoid(logits);
        var mse = nn.functional.mse_loss(recon, x);
        if (kind == ReconstructionLoss.Mse)
            return new LossOutput(mse, new Dictionary<string, Tensor> { ["mse"] = mse });
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, x);
        return new LossOutput(bce, new Dictionary<string, Tensor> { ["bce"] = bce, ["mse"] = mse });
    }
}
