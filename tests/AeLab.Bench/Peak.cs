using static TorchSharp.torch;

namespace AeLab.Bench;

/// <summary>
/// The machine's matrix-product peak (single precision, and bfloat16 when training steps use it) as TorchSharp reaches it, through both of libtorch's CPU
/// matrix kernels: MKL's SGEMM (linear layers, attention) and oneDNN's convolution (every Conv2d). On this AMD CPU
/// they differ about 2.5-fold (MKL ~190 GFLOP/s, oneDNN's AVX-512 convolution ~450): the peak is the faster of the
/// two, since that is what the machine's arithmetic units do; each kernel's own figure is kept beside it.
/// </summary>
public static class Peak
{
    /// <param name="N">SGEMM size (n×n; the PyTorch twin measures the same).</param>
    public sealed record Result(int N, int Reps, int Threads, double SgemmGflops, double SgemmMedianGflops,
        string ConvShape, double ConvGflops, double ConvMedianGflops, double? ConvBf16Gflops = null, double? ConvBf16MedianGflops = null)
    {
        (double Best, double Median, string Kernel) Fastest =>
            new[] { (SgemmGflops, SgemmMedianGflops, "MKL SGEMM"), (ConvGflops, ConvMedianGflops, "oneDNN convolution"),
                    (ConvBf16Gflops ?? 0, ConvBf16MedianGflops ?? 0, "oneDNN convolution in bfloat16") }.MaxBy(k => k.Item1);
        /// <summary>The peak: the fastest kernel's best (with bfloat16 training steps, the bfloat16 convolution's).</summary>
        public double BestGflops => Fastest.Best;
        public double MedianGflops => Fastest.Median;
        public string Kernel => Fastest.Kernel;
    }

    public static Result Measure(bool quick)
    {
        int n = quick ? 1024 : 2048, reps = quick ? 5 : 12;
        var (sBest, sMedian) = Sgemm(n, reps);
        // A 3×3 convolution with wide channels in channels-last storage: oneDNN's best case (blocked AVX-512 kernels).
        int batch = quick ? 1 : 4, channels = 256, size = quick ? 32 : 64;
        var (cBest, cMedian) = Conv(batch, channels, size, quick ? 5 : 8);
        // With bfloat16 training steps the same convolution under autocast: the arithmetic those steps can reach.
        (double, double)? bf16 = null;
        if (AeLab.Runtime.Precision.Training == AeLab.Runtime.TrainingPrecision.BFloat16)
            using (AeLab.Runtime.Autocast.BFloat16Scope()) bf16 = Conv(batch, channels, size, quick ? 5 : 8);
        return new Result(n, reps, get_num_threads(), sBest, sMedian,
            $"{batch}×{channels}×{size}×{size}, 3×3, {channels} out, channels-last", cBest, cMedian, bf16?.Item1, bf16?.Item2);
    }

    static (double Best, double Median) Sgemm(int n, int reps)
    {
        using var a = rand(n, n);
        using var b = rand(n, n);
        return Rate(2.0 * n * n * n, reps, () => { using var c = a.mm(b); });
    }

    static (double Best, double Median) Conv(int batch, int channels, int size, int reps)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var x = AeLab.Models.Layers.Layouts.ChannelsLast(rand(batch, channels, size, size));
        var w = AeLab.Models.Layers.Layouts.ChannelsLast(rand(channels, channels, 3, 3));
        long[] pad = { 1, 1 };
        return Rate(2.0 * batch * channels * channels * 9 * size * size, reps, () => { using var y = nn.functional.conv2d(x, w, null, null, pad); });
    }

    static (double Best, double Median) Rate(double flop, int reps, Action product)
    {
        for (int i = 0; i < 2; i++) product(); // warm-up: threads, page faults, kernel choice
        var times = new List<double>();
        for (int i = 0; i < reps; i++) times.Add(AeLab.Bench.Measure.Seconds(product));
        return (flop / times.Min() / 1e9, flop / AeLab.Bench.Measure.Median(times) / 1e9);
    }
}
