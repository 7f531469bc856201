using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace AeLab.Runtime;

/// <summary>
/// The native guard in front of TorchSharp's bridge: a small shared library (source: <c>Runtime/Native/torch_guard.cpp</c>,
/// embedded in AeLab.dll) that exports guarded versions of the bridge's entry points that call libtorch without an
/// error handler — <c>matmul</c>, <c>autograd.grad</c>, <c>cummax</c>, <c>set_num_threads</c>, the Scalar conversions
/// behind C# casts, … — so a libtorch error there comes back as TorchSharp's usual <see cref="ExternalException"/>
/// instead of ending the process.
/// </summary>
/// <remarks>
/// Compiled once per bridge and source with the system's C++ compiler (<c>CXX</c>, else <c>g++</c>, <c>c++</c>,
/// <c>clang++</c>; <c>lib/setup.sh</c> installs g++) into the cache folder next to the patched bridge, never into the
/// NuGet cache, and reused while the hash of both matches. <c>AELAB_NATIVE_GUARD=0</c> turns it off. Where it cannot be
/// built (no compiler, another OS), the library runs unguarded and <see cref="Status"/> says why.
/// </remarks>
public static class TorchGuard
{
    public const string SwitchVariable = "AELAB_NATIVE_GUARD";
    const string Resource = "AeLab.Runtime.Native.torch_guard.cpp";
    const string FileName = "libAeLabTorchGuard.so";

    /// <summary>True once the guard is loaded and TorchSharp's calls go through it.</summary>
    public static bool Active { get; private set; }

    /// <summary>What happened: "active (…)" or why the guard is absent.</summary>
    public static string Status { get; private set; } = "not loaded yet";

    /// <summary>Builds (or reuses) and loads the guard for the bridge at <paramref name="bridgePath"/>, which must be
    /// loaded already. Returns the guard's handle, or <see cref="IntPtr.Zero"/> with <see cref="Status"/> saying why.</summary>
    internal static IntPtr TryLoad(string bridgePath)
    {
        if (Environment.GetEnvironmentVariable(SwitchVariable) is "0" or "off" or "false")
            return Absent($"turned off ({SwitchVariable}=0)");
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            return Absent("not available on this OS");
        string path;
        try { path = Build(bridgePath, NativeLoader.CacheDirectory()); }
        catch (GuardBuildException e) { return Absent(e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Absent($"could not be written: {e.Message}"); }

        if (!NativeLibrary.TryLoad(path, out var handle))
            return Absent($"{path} did not load; delete it and run again");
        if (!NativeLibrary.TryGetExport(handle, "AeLabGuard_version", out var version)
            || Marshal.GetDelegateForFunctionPointer<VersionFn>(version)() != 1)
            return Absent($"{path} did not find the loaded libLibTorchSharp.so");
        Active = true;
        Status = $"active ({path})";
        return handle;
    }

    delegate int VersionFn();

    internal static void Bypassed(string why)
    {
        Active = false;
        Status = $"absent: {why}";
    }

    static IntPtr Absent(string why)
    {
        Active = false;
        Status = $"absent: {why}";
        return IntPtr.Zero;
    }

    /// <summary>The guard's C++ source as shipped inside AeLab.dll.</summary>
    public static string Source()
    {
        using var stream = typeof(TorchGuard).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"AeLab.dll lacks its embedded resource {Resource}; rebuild lib/AeLab.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Compiles the guard against <paramref name="bridgePath"/> into a folder of <paramref name="cacheDirectory"/>
    /// named by the hash of the source and the bridge, unless a copy built from the same two is there; returns its path.</summary>
    public static string Build(string bridgePath, string cacheDirectory)
    {
        var source = Source();
        string key;
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(source));
            using var bridge = File.OpenRead(bridgePath);
            sha.AppendData(SHA256.HashData(bridge));
            key = Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
        }
        var dir = Path.Combine(cacheDirectory, "native", $"guard-{key}");
        var target = Path.Combine(dir, FileName);
        if (File.Exists(target)) return target;   // written by rename only: present means complete

        var compiler = FindCompiler()
            ?? throw new GuardBuildException("no C++ compiler found (install g++: `sudo apt-get install g++`, or set CXX)");
        Directory.CreateDirectory(dir);
        var unique = $"{Environment.ProcessId}.{Guid.NewGuid():N}";
        var cpp = Path.Combine(dir, $"torch_guard.{unique}.cpp");
        var temp = Path.Combine(dir, $"{FileName}.{unique}.tmp");
        try
        {
            File.WriteAllText(cpp, source);
            // The bridge is linked by path so it becomes the guard's dependency (matched by its soname to the copy
            // already loaded): every symbol the guard does not export resolves to the bridge's own.
            var (code, output) = Run(compiler, "-shared", "-fPIC", "-O2", "-std=c++17", "-o", temp, cpp,
                "-Wl,--no-as-needed", bridgePath, "-ldl");
            if (code != 0 || !File.Exists(temp))
                throw new GuardBuildException($"{compiler} failed (exit {code}): {Tail(output)}");
            File.Move(temp, target, overwrite: true);
            return target;
        }
        finally
        {
            TryDelete(cpp);
            TryDelete(temp);
        }
    }

    static string? FindCompiler()
    {
        var fromEnv = Environment.GetEnvironmentVariable("CXX");
        var names = string.IsNullOrWhiteSpace(fromEnv) ? ["g++", "c++", "clang++"] : new[] { fromEnv };
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in names)
        {
            if (Path.IsPathRooted(name)) { if (File.Exists(name)) return name; continue; }
            foreach (var dir in path)
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        }
        return null;
    }

    static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new GuardBuildException($"{file} could not be started");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new GuardBuildException($"{file} took over 2 minutes"); }
        return (p.ExitCode, stdout + stderr.Result);
    }

    static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" | ", lines.TakeLast(4));
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}

/// <summary>The guard could not be built; the message says why and how to fix it.</summary>
public sealed class GuardBuildException(string message) : Exception(message);
