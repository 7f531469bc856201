using System.Runtime.InteropServices;
using TorchSharp;

namespace AeLab.Runtime;

/// <summary>
/// libtorch's CPU autocast, which TorchSharp 0.107 does not expose: inside a scope, matrix products and
/// convolutions run in bfloat16 (oneDNN's kernels, about twice the float32 rate on CPUs with AVX-512 BF16) while
/// weights, gradients, the optimizer and the ops autocast keeps in float32 (losses, norms' statistics, softmax)
/// stay float32 — PyTorch's <c>torch.autocast("cpu", dtype=torch.bfloat16)</c>. The switches are libtorch's own
/// functions (<c>at::autocast::set_autocast_enabled</c> and friends), found by their C++ names in libtorch_cpu.
/// Thread-local, like PyTorch's: a scope covers the calling thread only.
/// </summary>
public static unsafe class Autocast
{
    const sbyte Cpu = 0;        // c10::DeviceType::CPU
    const sbyte BFloat16 = 15;  // c10::ScalarType::BFloat16

    static readonly Lazy<Api?> Native = new(Bind);

    /// <summary>True when libtorch's autocast switches were found (Linux builds of libtorch).</summary>
    public static bool Available => Native.Value != null;

    /// <summary>Whether the calling thread is inside a bfloat16 scope.</summary>
    public static bool Enabled => Native.Value is { } api && api.IsEnabled(Cpu) != 0;

    /// <summary>
    /// Runs the calling thread's matrix products and convolutions in bfloat16 until disposed; scopes nest, and the
    /// outermost one, on leaving, drops the bfloat16 copies of the weights it cached (they are stale once the
    /// optimizer steps). Throws when autocast is unavailable: check <see cref="Available"/> first.
    /// </summary>
    public static IDisposable BFloat16Scope()
    {
        var api = Native.Value ?? throw new InvalidOperationException(
            "bfloat16 autocast is not available with this libtorch build (its autocast switches were not found); train in float32.");
        return new Scope(api, enable: true);
    }

    /// <summary>Back to float32 inside a bfloat16 scope (e.g. a nearest-code search, whose distances need float32's precision).</summary>
    public static IDisposable Float32Scope() => Enabled ? new Scope(Native.Value!, enable: false) : NoScope.Instance;

    sealed class Scope : IDisposable
    {
        readonly Api _api;
        readonly byte _was;
        readonly sbyte _dtype;
        bool _disposed;

        public Scope(Api api, bool enable)
        {
            _api = api;
            _was = api.IsEnabled(Cpu);
            _dtype = api.GetDtype(Cpu);
            api.SetDtype(Cpu, BFloat16);
            api.SetEnabled(Cpu, (byte)(enable ? 1 : 0));
            api.Increment();
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _api.SetEnabled(Cpu, _was);
            _api.SetDtype(Cpu, _dtype);
            if (_api.Decrement() == 0) _api.ClearCache();
        }
    }

    sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    sealed class Api
    {
        public required delegate* unmanaged<sbyte, byte> IsEnabled;
        public required delegate* unmanaged<sbyte, byte, void> SetEnabled;
        public required delegate* unmanaged<sbyte, sbyte> GetDtype;
        public required delegate* unmanaged<sbyte, sbyte, void> SetDtype;
        public required delegate* unmanaged<int> Increment;
        public required delegate* unmanaged<int> Decrement;
        public required delegate* unmanaged<void> ClearCache;
    }

    // Itanium C++ names (g++/clang on Linux and macOS); MSVC's differ, so Windows trains in float32.
    static Api? Bind()
    {
        if (OperatingSystem.IsWindows()) return null;
        static IntPtr F(string name) => NativeLoader.TorchCpuExport(name);
        var p = new[]
        {
            F("_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE"),
            F("_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb"),
            F("_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE"),
            F("_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE"),
            F("_ZN2at8autocast17increment_nestingEv"),
            F("_ZN2at8autocast17decrement_nestingEv"),
            F("_ZN2at8autocast11clear_cacheEv"),
        };
        if (p.Any(f => f == IntPtr.Zero)) return null;
        return new Api
        {
            IsEnabled = (delegate* unmanaged<sbyte, byte>)p[0],
            SetEnabled = (delegate* unmanaged<sbyte, byte, void>)p[1],
            GetDtype = (delegate* unmanaged<sbyte, sbyte>)p[2],
            SetDtype = (delegate* unmanaged<sbyte, sbyte, void>)p[3],
            Increment = (delegate* unmanaged<int>)p[4],
            Decrement = (delegate* unmanaged<int>)p[5],
            ClearCache = (delegate* unmanaged<void>)p[6],
        };
    }
}
