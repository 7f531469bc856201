using static TorchSharp.torch;

namespace AeLab.Core;

/// <summary>A loss to minimise and metrics to report (scalars; the trainer detaches and averages them).</summary>
public sealed record LossOutput(Tensor Loss, IReadOnlyDictionary<string, Tensor> Metrics)
{
    public LossOutput(Tensor loss) : this(loss, new Dictionary<string, Tensor>()) { }
}
