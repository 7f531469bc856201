using static TorchSharp.torch;

namespace AeLab.Models.Attention;

/// <summary>Position-wise layers applied to the rows of a [B, L, D] sequence as one [B·L, D] matrix.</summary>
internal static class Rows
{
    /// <summary>
    /// <paramref name="layer"/> (linears and elementwise layers) on x [..., D] viewed as [N, D], reshaped back to
    /// [..., D']. Same values; libtorch's linear runs about twice as fast forward on the 2-D view in bfloat16
    /// ([64, 49, 128] → 512: 3.3 against 6.7 ms for the MLP, 2 threads, AMD EPYC).
    /// </summary>
    public static Tensor Apply(nn.Module<Tensor, Tensor> layer, Tensor x)
    {
        var shape = x.shape;
        var y = layer.forward(x.reshape(-1, shape[^1]));
        shape[^1] = y.shape[^1];
        return y.view(shape);
    }
}
