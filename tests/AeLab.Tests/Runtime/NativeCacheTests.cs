using System.Security.Cryptography;
using AeLab.Runtime;

namespace AeLab.Tests.Runtime;

/// <summary>The cached patched bridge is reused only when its hash is right; a failed load names the file to delete.</summary>
public class NativeCacheTests
{
    [Theory]
    [InlineData("same length, one byte changed")]
    [InlineData("cut short")]
    public void A_damaged_cached_copy_is_replaced_not_reused(string damage)
    {
        if (!NativeFiles.IsLinuxX64) return;
        var cache = Directory.CreateTempSubdirectory("aelab-cache-");
        try
        {
            var path = NativeLoader.WritePatchedCopy(NativeFiles.ShippedBridge(), cache.FullName);
            var good = SHA256.HashData(File.ReadAllBytes(path));
            var bytes = File.ReadAllBytes(path);
            if (damage.StartsWith("same length")) bytes[bytes.Length / 2] ^= 0xFF;
            else bytes = bytes[..(bytes.Length / 3)];
            File.WriteAllBytes(path, bytes);

            Assert.Equal(path, NativeLoader.WritePatchedCopy(NativeFiles.ShippedBridge(), cache.FullName));
            Assert.Equal(good, SHA256.HashData(File.ReadAllBytes(path)));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
        }
        finally { cache.Delete(recursive: true); }
    }

    [Fact]
    public void The_failure_hint_names_the_cached_file_and_its_folder()
    {
        var hint = NativeLoader.DeleteHint("/home/u/.cache/aelab/native/0123/libLibTorchSharp.so");
        Assert.Contains("Delete the cached copy /home/u/.cache/aelab/native/0123/libLibTorchSharp.so", hint);
        Assert.Contains("/home/u/.cache/aelab/native/0123", hint);
        Assert.Contains("rewritten", hint);
    }
}
