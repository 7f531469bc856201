namespace AeLab.Runtime;

/// <summary>The arithmetic of training steps' matrix products and convolutions.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32.</summary>
    Float32,
    /// <summary>Matrix products and convolutions in bfloat16 under libtorch's CPU autocast; weights, gradients, the
    /// optimizer, losses and normalisation statistics in float32.</summary>
    BFloat16,
}

/// <summary>
/// Which precision the trainer's steps use. By default bfloat16 autocast on a CPU that computes bfloat16 natively
/// (the <c>avx512_bf16</c> or <c>amx_bf16</c> flag: oneDNN then runs those kernels at up to twice the float32 rate),
/// float32 elsewhere and on CUDA. Only training steps change: evaluation, sampling, checks and shipped figures are float32.
/// Force either with <c>AELAB_PRECISION=float32|bfloat16</c> (or <c>auto</c>), or <see cref="Training"/> in a cell.
/// </summary>
public static class Precision
{
    public const string Variable = "AELAB_PRECISION";

    static TrainingPrecision? _training;

    /// <summary>True when this CPU has native bfloat16 arithmetic and libtorch's autocast switches were found.</summary>
    public static bool NativeBFloat16 => CpuHasBFloat16.Value && Autocast.Available;

    static readonly Lazy<bool> CpuHasBFloat16 = new(() =>
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo")) return false;
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return flags != null && flags.Split(' ', ':', '\t').Any(f => f is "avx512_bf16" or "amx_bf16");
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    });

    /// <summary>The precision of training steps on the CPU: <c>AELAB_PRECISION</c> when set, else bfloat16 where the CPU
    /// has it natively. Set it to force one for this process.</summary>
    public static TrainingPrecision Training
    {
        get => _training ??= FromEnvironment();
        set
        {
            if (value == TrainingPrecision.BFloat16 && !Autocast.Available)
                throw new InvalidOperationException("bfloat16 training needs libtorch's CPU autocast, which this libtorch build does not expose; use TrainingPrecision.Float32.");
            _training = value;
        }
    }

    /// <summary>What <c>AELAB_PRECISION</c> asks for (auto when unset).</summary>
    static TrainingPrecision FromEnvironment() => Parse(Environment.GetEnvironmentVariable(Variable));

    internal static TrainingPrecision Parse(string? value)
    {
        var text = value?.Trim().ToLowerInvariant();
        switch (text)
        {
            case null or "" or "auto":
                return NativeBFloat16 ? TrainingPrecision.BFloat16 : TrainingPrecision.Float32;
            case "float32" or "fp32":
                return TrainingPrecision.Float32;
            case "bfloat16" or "bf16":
                if (!Autocast.Available)
                    throw new InvalidOperationException($"{Variable}={text}: this libtorch build does not expose CPU autocast, so bfloat16 training is not available here. Unset {Variable} or set it to float32.");
                return TrainingPrecision.BFloat16;
            default:
                throw new ArgumentException($"{Variable}=\"{text}\" is not a precision: use float32, bfloat16 or auto (the default: bfloat16 on CPUs that compute it natively).");
        }
    }

    /// <summary>The scope a training step's forward pass runs in: bfloat16 autocast when <paramref name="precision"/> (default
    /// <see cref="Training"/>) says so and
    /// the step runs on the CPU, else nothing.</summary>
    public static IDisposable? TrainingScope(TorchSharp.torch.Device device, TrainingPrecision? precision = null) =>
        (precision ?? Training) == TrainingPrecision.BFloat16 && device.type == TorchSharp.DeviceType.CPU ? Autocast.BFloat16Scope() : null;

    /// <summary>One word for summaries: "float32" or "bfloat16 autocast".</summary>
    public static string Describe(TrainingPrecision p) => p == TrainingPrecision.BFloat16 ? "bfloat16 autocast" : "float32";
}
