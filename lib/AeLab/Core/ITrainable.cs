using AeLab.Data;
using static TorchSharp.torch;

namespace AeLab.Core;

/// <summary>
/// Anything <c>Trainer</c> can train with one optimizer: a loss for a batch. Autoencoders and priors get it from
/// their <c>Loss(Tensor)</c>; a model that needs labels (a classifier) implements it directly.
/// </summary>
public interface ITrainable
{
    /// <summary>Training loss for a batch plus named metrics to log.</summary>
    LossOutput Loss(Batch batch);
}

/// <summary>
/// Training with several optimizers (the adversarial autoencoder, the VQ-GAN): the step does its own
/// clear-gradients/backward/step on each (<c>ClearGradients</c>) and returns the loss and metrics to report; <c>Trainer</c> still does the
/// epochs, disposal, metrics, logs, progress and checkpoints.
/// </summary>
public interface IMultiStep
{
    /// <summary>One update of every part on a batch.</summary>
    LossOutput Step(Batch batch);

    /// <summary>The loss on a validation batch (eval mode, no gradients), same metric names.</summary>
    LossOutput Validate(Batch batch);
}
