using System.Buffers.Binary;
using System.Text;

namespace AeLab.Runtime;

/// <summary>
/// Marks one required symbol version of an ELF shared library as weak (VER_FLG_WEAK).
/// </summary>
/// <remarks>
/// libLibTorchSharp.so 0.107 is linked on a newer distribution and requires GLIBCXX_3.4.32 for a
/// single symbol that no relocation uses. glibc refuses a missing non-weak version outright but only
/// warns about a weak one, so flipping that one flag is enough for the library to load on
/// Debian 12 / Ubuntu 22.04. Nothing else in the file changes.
/// </remarks>
public static class ElfVersionPatcher
{
    const ushort VerFlagWeak = 0x2;
    const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>One Vernaux entry of .gnu.version_r: a version required from a library.</summary>
    public readonly record struct RequiredVersion(string Library, string Version, ushort Flags, int FlagsOffset);

    /// <summary>Lists every version the library requires from its dependencies.</summary>
    public static IReadOnlyList<RequiredVersion> ReadRequiredVersions(ReadOnlySpan<byte> elf, string fileName = "<bytes>")
    {
        Check(elf.Length >= 64 && elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F',
            fileName, "is not an ELF file");
        Check(elf[4] == 2, fileName, "is not a 64-bit ELF file");
        Check(elf[5] == 1, fileName, "is not a little-endian ELF file");

        ulong shoff = U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        Check(shoff > 0 && shentsize >= 64 && (ulong)elf.Length >= shoff + (ulong)(shentsize * shnum),
            fileName, "has a truncated section header table");

        var result = new List<RequiredVersion>();
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = checked((int)U64(elf, sh + 0x18));
            int link = (int)U32(elf, sh + 0x28);
            int count = (int)U32(elf, sh + 0x2C); // sh_info: number of Verneed entries
            int strtab = checked((int)U64(elf, checked((int)shoff + link * shentsize) + 0x18));

            for (int n = 0; n < count; n++)
            {
                int cnt = U16(elf, offset + 2);
                string library = CString(elf, strtab + (int)U32(elf, offset + 4), fileName);
                int aux = offset + (int)U32(elf, offset + 8);
                for (int a = 0; a < cnt; a++)
                {
                    ushort flags = U16(elf, aux + 4);
                    string version = CString(elf, strtab + (int)U32(elf, aux + 8), fileName);
                    result.Add(new RequiredVersion(library, version, flags, aux + 4));
                    uint next = U32(elf, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint nextNeed = U32(elf, offset + 12);
                if (nextNeed == 0) break;
                offset += (int)nextNeed;
            }
        }
        return result;
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on the requirement <paramref name="version"/> in <paramref name="elf"/> (in place).
    /// Returns how many entries changed (0 when it was already weak or is not required).
    /// </summary>
    public static int MarkVersionWeak(Span<byte> elf, string version, string fileName = "<bytes>")
    {
        int changed = 0;
        foreach (var req in ReadRequiredVersions(elf, fileName))
        {
            if (req.Version != version || (req.Flags & VerFlagWeak) != 0) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(elf.Slice(req.FlagsOffset, 2), (ushort)(req.Flags | VerFlagWeak));
            changed++;
        }
        return changed;
    }

    static void Check(bool ok, string file, string what)
    {
        if (!ok) throw new InvalidDataException($"'{file}' {what}; expected a 64-bit little-endian ELF shared library such as libLibTorchSharp.so.");
    }

    static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(at, 2));
    static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(at, 4));
    static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(at, 8));

    static string CString(ReadOnlySpan<byte> b, int at, string file)
    {
        Check(at >= 0 && at < b.Length, file, "has a string table offset outside the file");
        int end = b.Slice(at).IndexOf((byte)0);
        Check(end >= 0, file, "has an unterminated string");
        return Encoding.ASCII.GetString(b.Slice(at, end));
    }
}
