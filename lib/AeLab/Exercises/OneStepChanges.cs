using AeLab.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Exercises;

/// <summary>
/// Lesson 04's exercise 04.3: how many numbers (parameter elements) of a <see cref="ResidualConvAutoencoder"/>'s
/// encoder and decoder one optimizer step changes. <see cref="Take"/> clears the gradients, computes the model's loss on
/// a batch, calls <c>backward()</c> — which fills the gradients of every parameter — and steps the optimizer, which moves
/// only the parameters it holds.
/// </summary>
/// <param name="Encoder">The encoder's numbers the step changed.</param>
/// <param name="Decoder">The decoder's numbers the step changed.</param>
/// <param name="DecoderNumbers">The decoder's numbers in all.</param>
public readonly record struct OneStepChanges(long Encoder, long Decoder, long DecoderNumbers)
{
    /// <summary>One training step of <paramref name="model"/> on <paramref name="images"/> with
    /// <paramref name="optimizer"/>, and the numbers it changed.</summary>
    public static OneStepChanges Take(ResidualConvAutoencoder model, optim.Optimizer optimizer, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var encoderBefore = model.EncoderParameters().Select(w => w.detach().clone()).ToList();
        var decoderBefore = model.DecoderParameters().Select(w => w.detach().clone()).ToList();
        optimizer.zero_grad();
        using (enable_grad()) model.Loss(images).Loss.backward();
        optimizer.step();
        return new OneStepChanges(Changed(model.EncoderParameters(), encoderBefore),
            Changed(model.DecoderParameters(), decoderBefore), model.DecoderParameters().Sum(w => w.numel()));
    }

    static long Changed(IEnumerable<Parameter> now, List<Tensor> before) =>
        now.Zip(before).Sum(p => p.First.detach().ne(p.Second).sum().item<long>());
}
