using System.Runtime.InteropServices;

namespace AeLab.Runtime;

/// <summary>
/// libtorch's CPU kernels run on an OpenMP thread team (GNU libgomp). Between two parallel regions its idle workers
/// spin, by default for about 3 ms (GOMP_SPINCOUNT 300 000), then sleep. Both extremes cost on a small machine:
/// with the cores shared (an editor, a browser, another training run), 3 ms spinners and the thread with real work
/// take turns on the same cores (a small training cell ran 10x slower on 2 cores); with no spinning at all
/// (OMP_WAIT_POLICY=PASSIVE) every operation wakes sleeping workers first, which made steps of many small
/// operations (the MLP VAE, the VQ models) up to 3x slower on an idle machine. A short spin (GOMP_SPINCOUNT 20 000,
/// about 0.2 ms) bridges the gap between the operations of one training step and gives the cores back soon after.
/// libgomp reads its settings from the process environment when it loads, so they are set natively before libtorch
/// is loaded; a setting of the user's (either variable) is kept.
/// </summary>
public static class OpenMp
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>Spins an idle worker makes before it sleeps when the library chooses (libgomp: roughly 100 000 a millisecond).</summary>
    public const int ShortSpinCount = 20_000;

    /// <summary>How libgomp's workers wait, as libgomp will see it: the user's setting, or the library's short spin.</summary>
    public static string WaitPolicy { get; private set; } = "libgomp's default";

    /// <summary>True when the library set GOMP_SPINCOUNT itself; false when the user chose (or before libtorch loads).</summary>
    public static bool ChosenByLibrary { get; private set; }

    /// <summary>Sets GOMP_SPINCOUNT to a short spin unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is already set. Call before libtorch loads.</summary>
    public static void PreferShortSpin()
    {
        var policy = Environment.GetEnvironmentVariable(WaitPolicyVariable);
        var spins = Environment.GetEnvironmentVariable(SpinCountVariable);
        if (!string.IsNullOrWhiteSpace(policy) || !string.IsNullOrWhiteSpace(spins))
        {
            WaitPolicy = string.Join(", ", new[] { (WaitPolicyVariable, policy), (SpinCountVariable, spins) }
                .Where(v => !string.IsNullOrWhiteSpace(v.Item2)).Select(v => $"{v.Item1}={v.Item2!.Trim()}")) + " (yours)";
            return;
        }
        // .NET keeps its own copy of the environment on Unix: libgomp only sees what setenv writes.
        var value = ShortSpinCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!OperatingSystem.IsWindows() && !NativeSetenv(SpinCountVariable, value)) return;
        Environment.SetEnvironmentVariable(SpinCountVariable, value);
        WaitPolicy = $"{SpinCountVariable}={value} (short spin, set by AeLab)";
        ChosenByLibrary = true;
    }

    /// <summary>
    /// Makes libtorch's operations on the calling thread run on it alone (no OpenMP team of its own), for helper
    /// threads such as the data loader's. libgomp counts every thread of every team, and once they outnumber the cores
    /// (a second thread that runs a parallel operation starts a second team) every idle worker in the process spins
    /// only 100 times before it sleeps, whatever GOMP_SPINCOUNT says (libgomp's "throttled" spin), so each operation of
    /// a training step has to wake its worker first: on 2 cores a PixelCNN prior's step took 53–57 ms after one pass of
    /// a data loader against 33–40 ms before. libtorch asks OpenMP how many threads this thread may use before it
    /// parallelises, so one thread here means no team. Two native calls: cheap enough for every batch.
    /// </summary>
    public static unsafe void SingleThreadedHere()
    {
        var set = (delegate* unmanaged<int, void>)SetNumThreads.Value;
        if (set == null) return;
        TorchSharp.torch.get_num_threads();   // libtorch's own per-thread set-up first, which would set the team size back
        set(1);                               // every call: a later set_num_threads on this thread would undo it
    }

    // omp_set_num_threads of the libgomp that libtorch loaded (a dependency of libtorch_cpu).
    static readonly Lazy<IntPtr> SetNumThreads = new(() => NativeLoader.TorchCpuExport("omp_set_num_threads"));

    // libc by its runtime name (libc.so.6 on glibc; "libc.so" is a linker script that only a -dev package installs).
    static unsafe bool NativeSetenv(string name, string value)
    {
        foreach (var lib in new[] { "libc.so.6", "libc" })
        {
            if (!NativeLibrary.TryLoad(lib, out var handle) || !NativeLibrary.TryGetExport(handle, "setenv", out var setenv)) continue;
            var n = Marshal.StringToCoTaskMemUTF8(name);
            var v = Marshal.StringToCoTaskMemUTF8(value);
            try { return ((delegate* unmanaged<IntPtr, IntPtr, int, int>)setenv)(n, v, 0) == 0; }
            finally { Marshal.FreeCoTaskMem(n); Marshal.FreeCoTaskMem(v); }
        }
        return false;
    }
}
