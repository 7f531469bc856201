using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace AeLab.Bench;

/// <summary>
/// The machine's memory bandwidth as TorchSharp reaches it, STREAM-style: copy (a ← b, <c>a.copy_(b)</c>) and triad
/// (a ← b + s·c, <c>torch.add(b, c, alpha: s)</c>) on float32 arrays of 32 Mi elements (128 MiB each, 256 MiB for copy and
/// 384 MiB for triad: far larger than the caches), best of several repetitions at the benchmark's thread count.
/// GB/s count what STREAM counts: copy moves 2 arrays, triad 3 (8 and 12 bytes per element), 10⁹ bytes per GB.
/// </summary>
/// <remarks>
/// TorchSharp has no <c>out=</c> form of add, so the triad writes a fresh tensor each time. A 128 MiB allocation is
/// normally a fresh mmap whose pages fault in (and are zeroed) while the triad writes them, which would time the page
/// faults rather than the memory; for the measurement glibc is told (mallopt) to serve large blocks from its heap and
/// not to return them, so every repetition writes the same, already mapped memory, as STREAM's static arrays do.
/// The settings are restored afterwards. Where mallopt is missing (not glibc) the triad falls back to the in-place
/// a ← a + s·c, which moves the same three arrays' worth of data.
/// </remarks>
public static class Bandwidth
{
    public sealed record Result(long Elements, double ArrayMiB, int Reps, double CopyGBs, double TriadGBs,
        double CopyMedianGBs, double TriadMedianGBs, string TriadForm, int Threads)
    {
        /// <summary>The bandwidth the roofline uses: the better of copy and triad (what this machine showed it can move).</summary>
        public double BestGBs => Math.Max(CopyGBs, TriadGBs);
    }

    const long Elements = 32L << 20;

    public static Result Stream(bool quick)
    {
        int reps = quick ? 4 : 10;
        bool heap = HeapForLargeBlocks(true);
        try
        {
            using var a = zeros(Elements);   // zeros: every page touched before timing
            using var b = rand(Elements);
            using var c = rand(Elements);
            const double s = 3.0;
            var copy = Time(reps, () => a.copy_(b));
            var triad = heap
                ? Time(reps, () => { using var t = add(b, c, alpha: s); })
                : Time(reps, () => a.add_(c, alpha: s));
            double copyBytes = 2.0 * 4 * Elements, triadBytes = 3.0 * 4 * Elements;
            return new Result(Elements, 4.0 * Elements / (1 << 20), reps,
                copyBytes / copy.Min() / 1e9, triadBytes / triad.Min() / 1e9,
                copyBytes / Measure.Median(copy) / 1e9, triadBytes / Measure.Median(triad) / 1e9,
                heap ? "a = b + s*c (torch.add with alpha, fresh output in reused memory)" : "a = a + s*c (in place: add_ with alpha)",
                get_num_threads());
        }
        finally
        {
            if (heap) HeapForLargeBlocks(false);
        }
    }

    static List<double> Time(int reps, Action op)
    {
        for (int i = 0; i < 2; i++) op(); // warm-up: threads, the triad's heap block
        var times = new List<double>();
        for (int i = 0; i < reps; i++) times.Add(Measure.Seconds(op));
        return times;
    }

    // glibc mallopt parameters (malloc.h) and their defaults.
    const int M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4;
    const int DefaultTrimThreshold = 128 * 1024, DefaultMmapMax = 65536;

    [DllImport("libc.so.6", EntryPoint = "mallopt")] static extern int Mallopt(int param, int value);
    [DllImport("libc.so.6", EntryPoint = "malloc_trim")] static extern int MallocTrim(nuint pad);

    /// <summary>On: large blocks from the heap, never trimmed. Off: glibc's defaults again, and the heap's free top returned.</summary>
    static bool HeapForLargeBlocks(bool on)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            if (on) return Mallopt(M_MMAP_MAX, 0) == 1 && Mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            Mallopt(M_MMAP_MAX, DefaultMmapMax);
            Mallopt(M_TRIM_THRESHOLD, DefaultTrimThreshold);
            MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
