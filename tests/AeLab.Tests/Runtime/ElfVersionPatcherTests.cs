using System.Runtime.InteropServices;
using AeLab.Runtime;

namespace AeLab.Tests.Runtime;

public class ElfVersionPatcherTests
{
    [Fact]
    public void Shipped_bridge_requires_GLIBCXX_3_4_32_as_a_strong_version()
    {
        var reqs = ElfVersionPatcher.ReadRequiredVersions(File.ReadAllBytes(NativeFiles.ShippedBridge()));
        var req = Assert.Single(reqs, r => r.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", req.Library);
        Assert.Equal(0, req.Flags & 2);
        Assert.Contains(reqs, r => r.Version == "GLIBC_2.34" && r.Library == "libc.so.6");
    }

    [Fact]
    public void Patching_changes_exactly_that_entrys_flag_and_nothing_else()
    {
        var original = File.ReadAllBytes(NativeFiles.ShippedBridge());
        var patched = (byte[])original.Clone();

        Assert.Equal(1, ElfVersionPatcher.MarkVersionWeak(patched, "GLIBCXX_3.4.32"));

        var target = ElfVersionPatcher.ReadRequiredVersions(original).Single(r => r.Version == "GLIBCXX_3.4.32");
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.NotEmpty(differing);
        Assert.All(differing, i => Assert.InRange(i, target.FlagsOffset, target.FlagsOffset + 1));
        Assert.Equal(original.Length, patched.Length);

        var before = ElfVersionPatcher.ReadRequiredVersions(original);
        var after = ElfVersionPatcher.ReadRequiredVersions(patched);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            var expectedFlags = before[i].Version == "GLIBCXX_3.4.32" ? (ushort)(before[i].Flags | 2) : before[i].Flags;
            Assert.Equal(expectedFlags, after[i].Flags);
            Assert.Equal(before[i].Version, after[i].Version);
        }
        // Idempotent: a second pass finds nothing left to change.
        Assert.Equal(0, ElfVersionPatcher.MarkVersionWeak(patched, "GLIBCXX_3.4.32"));
    }

    [Fact]
    public void Patched_copy_is_written_once_into_the_cache_and_loads()
    {
        if (!NativeFiles.IsLinuxX64) return;
        Lab.Init(); // libtorch must be in the process before the bridge can resolve its dependencies
        var cache = Directory.CreateTempSubdirectory("aelab-patch-");
        try
        {
            var path = NativeLoader.WritePatchedCopy(NativeFiles.ShippedBridge(), cache.FullName);
            Assert.StartsWith(cache.FullName, path);
            var written = File.GetLastWriteTimeUtc(path);
            Assert.Equal(path, NativeLoader.WritePatchedCopy(NativeFiles.ShippedBridge(), cache.FullName));
            Assert.Equal(written, File.GetLastWriteTimeUtc(path));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));

            Assert.True(NativeLibrary.TryLoad(path, out var handle), "patched copy did not load");
            Assert.True(NativeLibrary.TryGetExport(handle, "THSTorch_manual_seed", out _));
        }
        finally { cache.Delete(recursive: true); }
    }

    [Fact]
    public void Non_elf_input_names_the_file()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            ElfVersionPatcher.MarkVersionWeak(new byte[100], "GLIBCXX_3.4.32", "/tmp/notes.txt"));
        Assert.Contains("/tmp/notes.txt", e.Message);
        Assert.Contains("not an ELF", e.Message);
    }

    [Fact]
    public void Truncated_elf_is_rejected_with_the_file_name()
    {
        var head = File.ReadAllBytes(NativeFiles.ShippedBridge()).AsSpan(0, 4096).ToArray();
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadRequiredVersions(head, "cut.so"));
        Assert.Contains("cut.so", e.Message);
    }
}
