using static TorchSharp.torch;

namespace AeLab.Bench;

/// <summary>The machine's single-precision matrix-product peak as TorchSharp reaches it: the best of several n×n SGEMMs.</summary>
public static class Peak
{
    public sealed record Result(int N, int Reps, double BestGflops, double MedianGflops, int Threads);

    public static Result Sgemm(bool quick)
    {
        int n = quick ? 1024 : 2048, reps = quick ? 5 : 12;
        using var a = rand(n, n);
        using var b = rand(n, n);
        for (int i = 0; i < 2; i++) Product(a, b); // warm-up: threads, page faults
        var times = new List<double>();
        for (int i = 0; i < reps; i++) times.Add(Measure.Seconds(() => Product(a, b)));
        double flop = 2.0 * n * n * n;
        return new Result(n, reps, flop / times.Min() / 1e9, flop / Measure.Median(times) / 1e9, get_num_threads());
    }

    static void Product(Tensor a, Tensor b)
    {
        using var c = a.mm(b);
    }
}
