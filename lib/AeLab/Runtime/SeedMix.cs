namespace AeLab.Runtime;

/// <summary>A fixed SplitMix64 mix of two numbers, the same in every process (HashCode.Combine is randomised per
/// process): a data loader's shuffle seed of (seed, epoch), and a lesson's seed under <c>AELAB_SEED</c>.</summary>
internal static class SeedMix
{
    public static ulong Of(long a, long b)
    {
        ulong z = unchecked((ulong)a * 0x9E3779B97F4A7C15UL + (ulong)b + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
