using System.Runtime.InteropServices;

namespace AeLab.Runtime;

/// <summary>
/// libtorch's own log threshold. libtorch prints warnings such as "Could not initialize NNPACK!
/// Reason: Unsupported hardware." straight to stderr on CPUs without AVX2-era NNPACK support; they are
/// harmless (PyTorch falls back to other kernels) but read like errors in a lesson. Python's torch
/// applies $TORCH_CPP_LOG_LEVEL when it starts; TorchSharp never does, so this does it: warnings are
/// hidden unless TORCH_CPP_LOG_LEVEL asks for them (INFO, WARNING, ERROR, FATAL or 0–3).
/// </summary>
static class NativeLog
{
    const string Variable = "TORCH_CPP_LOG_LEVEL";
    const int Error = 2;

    /// <summary>Writes the threshold into libc10's exported flag; does nothing where it is not exported.</summary>
    public static void Apply(IntPtr c10)
    {
        if (c10 == IntPtr.Zero || !NativeLibrary.TryGetExport(c10, "FLAGS_caffe2_log_level", out var flag)) return;
        Marshal.WriteInt32(flag, Level(Environment.GetEnvironmentVariable(Variable)));
    }

    internal static int Level(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null or "" => Error,
        "INFO" or "0" => 0,
        "WARNING" or "1" => 1,
        "ERROR" or "2" => 2,
        "FATAL" or "3" => 3,
        _ => throw new ArgumentException($"{Variable}=\"{value}\" is not a log level; use INFO, WARNING, ERROR or FATAL (or 0-3), or unset it.", Variable),
    };
}
