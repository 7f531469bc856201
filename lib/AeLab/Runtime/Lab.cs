using TorchSharp;

namespace AeLab.Runtime;

/// <summary>
/// What <see cref="Lab.Init"/> set up; prints as the one-line summary lessons show (<see cref="Native"/> holds the
/// full native-loading report, with the patched library's path when one was written).
/// </summary>
[AeLab.Display.TypeFormatterSource(typeof(AeLab.Display.DisplayFormatterSource))]
public sealed record LabEnvironment(
    string TorchSharpVersion, string LibTorchVersion, torch.Device Device, int Threads, long Seed, bool Smoke, string Native,
    string Guard) : Display.ISummary
{
    public override string ToString() =>
        $"TorchSharp {TorchSharpVersion} · libtorch {LibTorchVersion} · device {Device.type.ToString().ToLowerInvariant()} · " +
        $"{Threads} thread{(Threads == 1 ? "" : "s")} · seed {Seed} · {(Smoke ? "smoke" : "full")} mode · natives {Native.Split(": ")[0]} · " +
        $"error guard {(Guard.StartsWith("active") ? "on" : "off")}";
}

/// <summary>
/// The runtime entry point for lessons and programs: native loading, device, threads, seeding, mode.
/// </summary>
/// <remarks>
/// Switches, all optional environment variables:
/// <list type="bullet">
/// <item><c>AELAB_SMOKE=1</c>: smoke mode (tiny data and epochs; what CI runs). Lessons read it through <see cref="Smoke"/>.</item>
/// <item><c>AELAB_SEED=n</c>: replaces the seed a lesson passes to <see cref="Init"/> and turns every later
/// <see cref="Seed"/> and every data loader's shuffle seed into a mix with n, to check that a lesson's words hold for
/// another seed without editing it. Evaluations (<c>Trainer.Evaluation</c>) keep their own fixed seeds.</item>
/// <item><c>AELAB_DEVICE=cpu|cuda</c>: force a device; default is CUDA when available, else CPU.</item>
/// <item><c>AELAB_THREADS=n</c>: CPU threads for libtorch; default is the machine's core count.</item>
/// </list>
/// </remarks>
public static class Lab
{
    public const string SmokeVariable = Course.SmokeVariable;
    public const string SeedVariable = "AELAB_SEED";
    public const string DeviceVariable = "AELAB_DEVICE";
    public const string ThreadsVariable = "AELAB_THREADS";

    static torch.Device? _device;
    static long? _override;   // AELAB_SEED, as Init read it
    static LabEnvironment? _environment;

    /// <summary>True in smoke mode (<c>AELAB_SMOKE=1</c>): lessons shrink data and epochs so they run in seconds.</summary>
    public static bool Smoke => Course.Smoke;

    /// <summary>Picks the full-mode or the smoke-mode value of a setting.</summary>
    public static T Pick<T>(T full, T smoke) => Smoke ? smoke : full;

    /// <summary>The device lessons train on (initialises the library on first use).</summary>
    public static torch.Device Device => _device ?? Init().Device;

    /// <summary>The environment set up by the last <see cref="Init"/>, initialising with defaults if needed.</summary>
    public static LabEnvironment Current => _environment ?? Init();

    /// <summary>
    /// Loads the natives, picks the device, sets the thread count and seeds every generator.
    /// Safe to call again (for example to reseed).
    /// </summary>
    /// <param name="seed">Seed for torch (CPU and CUDA); AELAB_SEED, when set, replaces it.</param>
    /// <param name="threads">libtorch CPU threads; default AELAB_THREADS or the core count.</param>
    /// <param name="device">"cpu", "cuda" or null/"auto" (default AELAB_DEVICE, else CUDA when available).</param>
    public static LabEnvironment Init(long seed = 0, int? threads = null, string? device = null)
    {
        KernelWarnings.Quiet();   // in a notebook kernel: no CS1701 from TorchSharp's .NET 8 references (see there why)
        NativeLoader.EnsureLoaded();
        _device = ChooseDevice(device ?? Environment.GetEnvironmentVariable(DeviceVariable));
        int n = threads ?? ParseThreads(Environment.GetEnvironmentVariable(ThreadsVariable)) ?? Environment.ProcessorCount;
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(threads), n, "threads must be at least 1.");
        torch.set_num_threads(n);
        _override = ParseSeed(Environment.GetEnvironmentVariable(SeedVariable));
        seed = _override ?? seed;
        SeedExactly(seed);
        var tsVersion = typeof(torch).Assembly.GetName().Version;
        _environment = new LabEnvironment(
            tsVersion == null ? "?" : $"{tsVersion.Major}.{tsVersion.Minor}.{tsVersion.Build}",
            torch.__version__, _device, torch.get_num_threads(), seed, Smoke, NativeLoader.Status, TorchGuard.Status);
        WarnOnceWithoutGuard();
        return _environment;
    }

    static bool _warned;

    // Said once per process: without the guard a few libtorch errors (matmul's shape errors among them) end the
    // process instead of raising an exception; lesson 00 explains what to do then.
    static void WarnOnceWithoutGuard()
    {
        if (_warned || TorchGuard.Active) return;
        _warned = true;
        Console.WriteLine($"Note: AeLab's native error guard is {TorchGuard.Status}. A few libtorch errors (for example " +
            "matmul with mismatched shapes) will end the kernel instead of raising an exception: check shapes with mm/bmm, " +
            "or see lesson 00.");
    }

    /// <summary>Seeds torch (CPU and, when present, CUDA): same seed, same numbers (shuffles and augmentation draw from torch).</summary>
    public static void Seed(long seed) => SeedExactly(Mixed(seed));

    /// <summary>A seed the lesson gives (a model's initialisation, a loader's shuffles) as this run uses it: itself, or
    /// under <c>AELAB_SEED=n</c> a fixed SplitMix64 mix of (n, seed), so a second-seed run changes every one of them.</summary>
    public static long Mixed(long seed)
    {
        if (_override is not { } n) return seed;
        return (long)(SeedMix.Of(n, seed) >> 1);
    }

    /// <summary>Seeds torch's generators with exactly <paramref name="seed"/>, whatever <c>AELAB_SEED</c> says: for
    /// evaluations whose figures must be the same on every run (shipped weights reproduce them).</summary>
    public static void SeedExactly(long seed)
    {
        NativeLoader.EnsureLoaded();
        torch.manual_seed(seed);
        if (_device?.type == DeviceType.CUDA) torch.cuda.manual_seed_all(seed);
    }

    static torch.Device ChooseDevice(string? request)
    {
        var r = (request ?? "auto").Trim().ToLowerInvariant();
        switch (r)
        {
            case "cpu":
                return torch.CPU;
            case "cuda" or "gpu":
                if (!TryInitCuda())
                    throw new InvalidOperationException(
                        $"CUDA was requested ({DeviceVariable}={request} or device: \"cuda\") but is not available. " +
                        "Build the library with the CUDA package (`dotnet build lib/AeLab -p:Torch=cuda`) on a machine with an NVIDIA driver, " +
                        $"or unset {DeviceVariable} to use the CPU.");
                return torch.CUDA;
            case "" or "auto":
                return TryInitCuda() ? torch.CUDA : torch.CPU;
            default:
                throw new ArgumentException($"Unknown device '{request}'. Use \"cpu\", \"cuda\" or \"auto\" ({DeviceVariable}).", nameof(request));
        }
    }

    // In scripts and notebooks TorchSharp only sees CUDA after the CUDA backend is initialised
    // explicitly; with the CPU package that call throws, which simply means "no CUDA".
    static bool TryInitCuda()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
            return torch.cuda.is_available();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    static int? ParseThreads(string? s)
    {
        if (string.IsNullOrWhiteSpace(s)) return null;
        if (int.TryParse(s, out var n) && n > 0) return n;
        throw new ArgumentException($"{ThreadsVariable}='{s}' is not a positive whole number of threads.");
    }

    static long? ParseSeed(string? s)
    {
        if (string.IsNullOrWhiteSpace(s)) return null;
        if (long.TryParse(s, out var n)) return n;
        throw new ArgumentException($"{SeedVariable}='{s}' is not a whole number; unset it to use the lesson's seed.");
    }
}
