using AeLab.Data;
using AeLab.Display;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// The per-pixel mean squared error of a model's reconstructions, <c>Σ (x̄ − x)² / (N · pixels)</c> over a whole set of
/// batches, with the model in eval mode and without gradients — the test error lessons 01 and 03 read.
/// </summary>
public static class ReconstructionError
{
    /// <summary>
    /// MSE between <c>model(corrupt(x))</c> and the clean <c>x</c>, summed over every batch and divided by the number of
    /// pixels; <paramref name="corrupt"/> (for example added noise) defaults to the identity.
    /// </summary>
    /// <param name="model">Any module mapping images to images of the same shape (an autoencoder's forward).</param>
    /// <param name="batches">The data, e.g. a test <see cref="DataLoader"/>; batches must be on the model's device.</param>
    /// <param name="corrupt">What the model is fed instead of x (the target stays x).</param>
    public static double Mse(nn.Module<Tensor, Tensor> model, IEnumerable<Batch> batches, Func<Tensor, Tensor>? corrupt = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        model.eval();
        double sum = 0;
        long count = 0;
        using (no_grad())
            foreach (var batch in batches)
            {
                using var scope = NewDisposeScope();
                var output = model.forward(corrupt is null ? batch.X : corrupt(batch.X));
                if (!output.shape.SequenceEqual(batch.X.shape))
                    output = output.reshape(batch.X.shape);
                sum += (output - batch.X).square().sum().item<float>();
                count += batch.X.numel();
            }
        if (count == 0) throw new ArgumentException("ReconstructionError.Mse: the batches hold no images.", nameof(batches));
        return sum / count;
    }

    /// <summary>
    /// Training and test error of two models side by side, and their generalisation gaps (test − train); the verdict
    /// says whether the second model narrows or widens the first one's gap (gaps within 10⁻⁴, the printed precision, are
    /// the same gap) and whether it reconstructs the test set better or worse.
    /// </summary>
    public static Table GapTable((string Name, double Train, double Test) first, (string Name, double Train, double Test) second)
    {
        double gap1 = first.Test - first.Train, gap2 = second.Test - second.Train;
        var table = new Table("model", "train MSE", "test MSE", "gap (test − train)")
            .Format("train MSE", "F4").Format("test MSE", "F4").Format("gap (test − train)", "+0.0000;-0.0000;0.0000")
            .Row(first.Name, first.Train, first.Test, gap1)
            .Row(second.Name, second.Train, second.Test, gap2);
        var gapWords = Math.Abs(Math.Abs(gap2) - Math.Abs(gap1)) < 1e-4 ? "the same gap at this precision"
            : Math.Abs(gap2) < Math.Abs(gap1) ? $"{second.Name} narrows the gap" : $"{second.Name} widens the gap";
        var testWords = second.Test < first.Test ? $"helps the test MSE, by {first.Test - second.Test:F4}"
            : $"costs test MSE, {second.Test - first.Test:F4} more";
        return table.Verdict($"{gapWords}; {second.Name} {testWords}");
    }
}
