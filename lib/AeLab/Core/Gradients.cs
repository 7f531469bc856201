using TorchSharp;

namespace AeLab.Core;

/// <summary>How every training step of the library starts.</summary>
public static class Gradients
{
    /// <summary>
    /// Drops the gradients of every parameter <paramref name="optimizer"/> updates (PyTorch's
    /// <c>zero_grad(set_to_none=True)</c>, its default since 2.0), where TorchSharp's <c>zero_grad()</c> fills them
    /// with zeros. The next backward then writes each gradient into a fresh buffer instead of adding it to a zeroed one,
    /// which saves a fill and a read of every gradient each step, and leaves the dispose scope fewer tensors to free.
    /// The update is the same to the bit (0 + g = g), except for a parameter the loss does not reach: the optimizer then
    /// skips it, as PyTorch's does, rather than stepping it with a zero gradient.
    /// </summary>
    public static void ClearGradients(this torch.optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        foreach (var p in optimizer.parameters()) p.grad = null;
    }
}
