namespace AeLab.Bench;

/// <summary>
/// Counting a model's arithmetic from its layer shapes. Each helper returns multiply-accumulates (MACs)
/// of one layer over a batch; a forward pass costs 2·MACs floating-point operations, and a training step
/// is counted as 3× the forward (backward ≈ gradient w.r.t. the input + w.r.t. the weights, each as much as
/// the forward). Only the matrix-product layers are counted (linear, convolution, transposed convolution,
/// attention products): normalisation, activations, losses and the optimizer are a few operations per
/// element and do not reach the matmul units. A transposed convolution is counted by its useful work
/// (every input pixel times the kernel), however it is computed, so a wasteful implementation shows as a
/// lower ratio to the peak.
/// </summary>
public static class Flops
{
    /// <summary>A linear layer applied to <paramref name="rows"/> vectors.</summary>
    public static double Linear(long rows, long inFeatures, long outFeatures) => (double)rows * inFeatures * outFeatures;

    /// <summary>A k×k convolution producing [n, cout, oh, ow].</summary>
    public static double Conv(long n, long cin, long cout, long k, long oh, long ow) => (double)n * cin * cout * k * k * oh * ow;

    /// <summary>A k×k transposed convolution reading [n, cin, ih, iw] (each input pixel scatters one k×k kernel per output channel).</summary>
    public static double ConvTranspose(long n, long cin, long cout, long k, long ih, long iw) => (double)n * cin * cout * k * k * ih * iw;

    /// <summary>Attention over sequences of <paramref name="length"/> tokens of width <paramref name="dim"/>: Q·Kᵀ and weights·V.</summary>
    public static double Attention(long n, long length, long dim) => 2.0 * n * length * length * dim;

    /// <summary>Training-step FLOPs from forward MACs: 3 × (2 · MACs).</summary>
    public static double TrainStep(double forwardMacs) => 3 * 2 * forwardMacs;

    /// <summary>Forward FLOPs from MACs.</summary>
    public static double Forward(double forwardMacs) => 2 * forwardMacs;
}
