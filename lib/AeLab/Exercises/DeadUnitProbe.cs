using AeLab.Core;
using AeLab.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Exercises;

/// <summary>
/// Lesson 02's exercises 02.2 and 02.3: unit 0 of a trained <see cref="MlpAutoencoder"/>'s first encoder layer,
/// probed on a copy so that the trained network is left as it was.
/// </summary>
public static class DeadUnitProbe
{
    /// <summary>02.2: a copy of the model's first encoder layer (784 → 256 in the course), on the model's device; unit 0
    /// is row 0 of its weight.</summary>
    public static Linear FirstEncoderLayer(MlpAutoencoder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (Linear)Copy(model).Encoder.children().First();
    }

    /// <summary>02.2: whether bias <paramref name="bias"/> for unit 0 makes the unit's pre-activation w·x + b ≤ 0 on every
    /// one of <paramref name="images"/>, so that <c>DeadUnits</c> would count it. Sets the layer's bias of unit 0.</summary>
    public static bool Silences(Linear layer, double bias, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(images);
        if (images.shape.Length < 2 || images.shape.Skip(1).Aggregate(1L, (a, b) => a * b) != layer.weight!.shape[1])
            throw new ArgumentException($"images must be a batch whose images have {layer.weight!.shape[1]} pixels, as the layer takes; " +
                                        $"got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        layer.bias![0].fill_(bias);
        var pre = layer.forward(images.to(layer.weight!.device).reshape(images.shape[0], -1)).select(1, 0);   // w·x + b for every image
        return pre.max().item<float>() <= 0;
    }

    /// <summary>02.3: in a copy of <paramref name="model"/>, kill unit 0 of the first encoder layer (bias
    /// <paramref name="bias"/>, far below anything w·x reaches), compute the model's loss on <paramref name="images"/>,
    /// call <c>backward()</c>, and say whether the gradient that reaches the unit's incoming weights is exactly zero.</summary>
    public static bool GradientIsZero(MlpAutoencoder model, Tensor images, double bias = -1000.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var copy = Copy(model);
        var layer = (Linear)copy.Encoder.children().First();
        using (no_grad()) layer.bias![0].fill_(bias);
        using (enable_grad()) copy.Loss(images).Loss.backward();
        return layer.weight!.grad![0].abs().max().item<float>() == 0;
    }

    // The same network (sizes, activation and loss read from the model) with the model's weights, on its device.
    static MlpAutoencoder Copy(MlpAutoencoder model)
    {
        var copy = new MlpAutoencoder(model.ImageShape, model.LatentSize, model.HiddenSizes.ToArray(), model.LossKind,
            model.DropoutRate, model.LeakySlope).to(model.DeviceOf());
        copy.load_state_dict(model.state_dict());
        return copy;
    }
}
