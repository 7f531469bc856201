using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace AeLab.Runtime;

/// <summary>Raised when TorchSharp's native libraries cannot be loaded; the message lists what was tried.</summary>
public sealed class NativeLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Makes sure TorchSharp's native bridge (libLibTorchSharp.so) loads before TorchSharp touches it.
/// </summary>
/// <remarks>
/// On Linux the shipped bridge requires GLIBCXX_3.4.32 (libstdc++ 13+). Where the system libstdc++ is
/// older, a copy with only that requirement marked weak is written to a cache folder (never into the
/// NuGet cache) and loaded instead; TorchSharp's own P/Invokes are pointed at it. Where the shipped file
/// loads, nothing is patched.
/// </remarks>
public static class NativeLoader
{
    const string Bridge = "LibTorchSharp";
    const string MissingVersion = "GLIBCXX_3.4.32";
    static readonly object Gate = new();
    static string? _status;
    static IntPtr _bridge;

    /// <summary>What the loader did: "as shipped", or the path of the patched copy in use.</summary>
    public static string Status => _status ?? "not loaded yet";

    /// <summary>Path of the bridge library in use, when known.</summary>
    public static string? BridgePath { get; private set; }

    /// <summary>Loads the native libraries once per process; later calls return at once.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_status != null) return;
            OpenMp.PreferShortSpin();
            _status = RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
                ? LoadOnLinux()
                : "as shipped (TorchSharp loads its own natives on this OS)";
        }
    }

    /// <summary>
    /// A function exported by libtorch_cpu or a library it depends on (libgomp, for instance), found through
    /// libtorch_cpu's own handle after <see cref="EnsureLoaded"/>; <see cref="IntPtr.Zero"/> when it is not there or on Windows.
    /// </summary>
    internal static IntPtr TorchCpuExport(string name)
    {
        if (OperatingSystem.IsWindows()) return IntPtr.Zero;
        EnsureLoaded();
        return NativeLibrary.TryLoad("torch_cpu", typeof(torch).Assembly, null, out var lib)
               && NativeLibrary.TryGetExport(lib, name, out var f) ? f : IntPtr.Zero;
    }

    static string LoadOnLinux()
    {
        var torchAssembly = typeof(torch).Assembly;
        var trace = new List<string>();

        // libtorch first, resolved exactly as TorchSharp will resolve it (next to TorchSharp.dll or
        // through the app's deps.json): two copies of libtorch_cpu in one process abort the process.
        foreach (var name in new[] { "c10", "torch_cpu", "torch" })
        {
            if (NativeLibrary.TryLoad(name, torchAssembly, null, out var handle))
            {
                trace.Add($"loaded lib{name}.so");
                if (name == "c10") NativeLog.Apply(handle);
            }
            else trace.Add($"lib{name}.so not found next to {torchAssembly.Location} or in the app's native assets");
        }
        // The CUDA package also ships these; absent in the CPU build, so failure is fine.
        foreach (var name in new[] { "c10_cuda", "torch_cuda" })
            if (NativeLibrary.TryLoad(name, torchAssembly, null, out _)) trace.Add($"loaded lib{name}.so");

        var original = FindBridge(torchAssembly, trace);
        if (original == null)
            throw Fail("libLibTorchSharp.so was not found", trace, null);

        string firstError;
        try
        {
            _bridge = NativeLibrary.Load(original);
            Register(original);
            return "as shipped";
        }
        catch (DllNotFoundException e)
        {
            firstError = e.Message;
            trace.Add($"loading {original} failed: {FirstLines(e.Message)}");
        }

        if (!firstError.Contains(MissingVersion))
            throw Fail($"libLibTorchSharp.so at {original} did not load", trace, null);

        string patched;
        try { patched = WritePatchedCopy(original); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            trace.Add($"writing the patched copy failed: {e.Message}");
            throw Fail("the patched copy of libLibTorchSharp.so could not be written", trace, e);
        }
        trace.Add($"wrote patched copy {patched} ({MissingVersion} marked weak)");
        try
        {
            _bridge = NativeLibrary.Load(patched);
        }
        catch (DllNotFoundException e)
        {
            trace.Add($"loading the patched copy failed: {FirstLines(e.Message)}");
            trace.Add(DeleteHint(patched));
            throw Fail($"even the patched libLibTorchSharp.so ({patched}) did not load", trace, e);
        }
        Register(patched);
        return $"patched copy ({MissingVersion} marked weak): {patched}";
    }

    static void Register(string path)
    {
        BridgePath = path;
        // TorchSharp's calls go through the guard where it loads: it forwards every symbol it does not guard.
        var guard = TorchGuard.TryLoad(path);
        var handle = guard != IntPtr.Zero ? guard : _bridge;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly,
                (name, _, _) => name == Bridge ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // Someone registered a resolver already: the bridge is loaded, and glibc hands the
            // loaded copy to any later dlopen by its soname; TorchSharp's calls then bypass the guard.
            if (guard != IntPtr.Zero) TorchGuard.Bypassed("another resolver was registered for TorchSharp first");
        }
    }

    /// <summary>Where the shipped libLibTorchSharp.so is: next to TorchSharp.dll, in the app's
    /// runtimes folder, or in the NuGet package cache.</summary>
    static string? FindBridge(Assembly torchAssembly, List<string> trace)
    {
        const string file = "libLibTorchSharp.so";
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var candidates = new List<string>();
        var torchDir = Path.GetDirectoryName(torchAssembly.Location);
        if (!string.IsNullOrEmpty(torchDir))
        {
            candidates.Add(Path.Combine(torchDir, file));
            candidates.Add(Path.Combine(torchDir, "runtimes", rid, "native", file));
        }
        candidates.Add(Path.Combine(AppContext.BaseDirectory, file));
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file));
        var version = torchAssembly.GetName().Version;
        if (version != null)
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            candidates.Add(Path.Combine(packages, "torchsharp", $"{version.Major}.{version.Minor}.{version.Build}", "runtimes", rid, "native", file));
        }
        foreach (var c in candidates.Distinct())
        {
            if (File.Exists(c)) { trace.Add($"found {c}"); return c; }
            trace.Add($"no {c}");
        }
        return null;
    }

    /// <summary>Cache folder for the patched copy: AELAB_CACHE, else XDG_CACHE_HOME/aelab, else ~/.cache/aelab.</summary>
    public static string CacheDirectory()
    {
        var explicitDir = Environment.GetEnvironmentVariable("AELAB_CACHE");
        if (!string.IsNullOrEmpty(explicitDir)) return explicitDir;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "aelab");
    }

    /// <summary>
    /// Writes (once) a copy of <paramref name="original"/> with GLIBCXX_3.4.32 marked weak into a folder
    /// named by the original's hash, atomically, and returns its path. A copy already there is reused only when
    /// its SHA-256 equals that of the freshly patched bytes; a damaged one is replaced.
    /// </summary>
    public static string WritePatchedCopy(string original, string? cacheDirectory = null)
    {
        var bytes = File.ReadAllBytes(original);
        var hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        var dir = Path.Combine(cacheDirectory ?? CacheDirectory(), "native", hash);
        var target = Path.Combine(dir, Path.GetFileName(original));

        if (ElfVersionPatcher.MarkVersionWeak(bytes, MissingVersion, original) == 0)
            throw new InvalidDataException($"'{original}' does not require {MissingVersion}; there is nothing to patch.");
        if (File.Exists(target) && SameContents(target, bytes)) return target;

        Directory.CreateDirectory(dir);
        var temp = target + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, target, overwrite: true);
        return target;
    }

    static bool SameContents(string path, byte[] expected)
    {
        try
        {
            using var file = File.OpenRead(path);
            return file.Length == expected.Length && SHA256.HashData(file).AsSpan().SequenceEqual(SHA256.HashData(expected));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>What to do when a cached copy is present but will not load.</summary>
    internal static string DeleteHint(string patched) =>
        $"Delete the cached copy {patched} (or its folder {Path.GetDirectoryName(patched)}) and run again: it is rewritten from the shipped library.";

    static NativeLoadException Fail(string what, List<string> trace, Exception? inner) => new(
        $"TorchSharp's native libraries could not be loaded: {what}.{Environment.NewLine}" +
        $"What was tried:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", trace)}{Environment.NewLine}" +
        "How to fix: build the library first (`dotnet build lib/AeLab`, which puts libtorch next to AeLab.dll in lib/bin), " +
        "reference it as #r \"../lib/bin/AeLab.dll\", make sure the cache folder (AELAB_CACHE or ~/.cache/aelab) is writable, " +
        "and on Linux check that glibc is 2.34 or newer (`ldd --version`).", inner);

    // .NET's message wraps the loader's reason in generic advice; keep the reason.
    static string FirstLines(string message) =>
        string.Join(" | ", System.Text.RegularExpressions.Regex
            .Replace(message, @" In order to help diagnose.*?environment variable:", "")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(3));
}
