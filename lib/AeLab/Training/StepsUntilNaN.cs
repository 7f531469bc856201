using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Training;

/// <summary>
/// A run that shows a failure rather than a model: Adam on one loss, one step after another, stopping at the first step
/// whose loss is NaN (lesson 06 trains a small VAE on its whole data set every step this way, to see when a "std" head
/// sends a non-positive σ into a logarithm). <see cref="Trainer"/>, the course's training loop, is for models: it
/// trains by epochs over batches, and a NaN there is a failure to recover from; here it is the finding.
/// </summary>
public static class StepsUntilNaN
{
    /// <summary>
    /// Takes up to <paramref name="steps"/> Adam steps (default settings but the learning rate) on
    /// <paramref name="parameters"/>, each one clearing the gradients, computing <paramref name="loss"/> — which may
    /// draw noise, in the order a hand-written loop would — and stepping, inside its own dispose scope.
    /// </summary>
    /// <returns>The first step's loss, the last finite loss, and the step whose loss was NaN (−1 when none was; the
    /// two losses are NaN when step 0's was).</returns>
    public static (double FirstLoss, double LastLoss, int NanStep) Adam(IEnumerable<Parameter> parameters, Func<Tensor> loss,
        int steps, double learningRate = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(loss);
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be 0 or more.");
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learningRate must be positive.");
        var opt = optim.Adam(parameters.ToArray(), learningRate);
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var value = loss();
            if (value.numel() != 1)
                throw new ArgumentException($"loss must return one number; it returned a tensor of shape [{string.Join(", ", value.shape)}].", nameof(loss));
            double v = value.dtype == ScalarType.Float64 ? value.item<double>() : value.to(float32).item<float>();
            if (double.IsNaN(v)) return (first, last, step);
            if (step == 0) first = v;
            last = v;
            value.backward();
            opt.step();
        }
        return (first, last, -1);
    }
}
