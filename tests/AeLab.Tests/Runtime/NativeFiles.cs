using System.Runtime.InteropServices;

namespace AeLab.Tests.Runtime;

/// <summary>Locates the shipped (unpatched) TorchSharp bridge and checks the system libstdc++.</summary>
static class NativeFiles
{
    public static string ShippedBridge()
    {
        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var candidates = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
        };
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("libLibTorchSharp.so not found in: " + string.Join(", ", candidates));
    }

    /// <summary>True when the libstdc++ this process uses already provides GLIBCXX_3.4.32.</summary>
    public static bool SystemLibStdCxxHas332()
    {
        var maps = File.ReadAllLines("/proc/self/maps");
        var path = maps.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
            .FirstOrDefault(p => p != null && p.Contains("libstdc++.so"));
        if (path == null) return false;
        var bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().IndexOf("GLIBCXX_3.4.32"u8) >= 0;
    }

    public static bool IsLinuxX64 => RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
        && RuntimeInformation.ProcessArchitecture == Architecture.X64;
}
