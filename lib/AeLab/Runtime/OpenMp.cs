using System.Runtime.InteropServices;

namespace AeLab.Runtime;

/// <summary>
/// libtorch's CPU kernels run on an OpenMP thread team (GNU libgomp). By default its idle workers spin-wait for the
/// next parallel region; when the cores are shared (an editor, a browser, another training run), spinning workers and
/// the thread that has real work take turns on the same cores, and small steps ran 3-11x slower measured on 2 cores.
/// Passive waiting (workers sleep at once) removes that. libgomp reads the setting from the process environment
/// when it loads, so it is set natively before libtorch is loaded; a value the user set is kept.
/// </summary>
public static class OpenMp
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>The wait policy libgomp will see: the user's, or PASSIVE when the library set it.</summary>
    public static string WaitPolicy { get; private set; } = "default";

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE unless it is already set. Call before libtorch loads.</summary>
    public static void PreferPassiveWait()
    {
        var current = Environment.GetEnvironmentVariable(WaitPolicyVariable);
        if (!string.IsNullOrWhiteSpace(current)) { WaitPolicy = current.Trim().ToUpperInvariant(); return; }
        // .NET keeps its own copy of the environment on Unix: libgomp only sees what setenv writes.
        if (!OperatingSystem.IsWindows() && !NativeSetenv(WaitPolicyVariable, "PASSIVE")) return;
        Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        WaitPolicy = "PASSIVE";
    }

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
