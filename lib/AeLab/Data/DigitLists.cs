using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>Random lists of decimal digits for sequence tasks (lesson 10 reverses them), with training and held-out
/// lists that never coincide.</summary>
public static class DigitLists
{
    /// <summary>
    /// <paramref name="trainCount"/> random lists of <paramref name="digits"/> digits [trainCount, digits] (int64), and
    /// up to <paramref name="heldOutCount"/> held-out lists none of which occurs among the training lists: twice as many
    /// candidates are drawn and the first that are not training lists kept. Draws from the global generator (seed it first).
    /// </summary>
    public static (Tensor Train, Tensor HeldOut) Disjoint(int trainCount, int heldOutCount, int digits)
    {
        if (trainCount < 1) throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, "trainCount must be 1 or more.");
        if (heldOutCount < 1) throw new ArgumentOutOfRangeException(nameof(heldOutCount), heldOutCount, "heldOutCount must be 1 or more.");
        if (digits is < 1 or > 18) throw new ArgumentOutOfRangeException(nameof(digits), digits, "digits must be 1 to 18 (a list is keyed as one 64-bit number).");
        var train = randint(0, 10, new long[] { trainCount, digits }, dtype: int64);
        var seen = new HashSet<long>(Keys(train));
        var candidates = randint(0, 10, new long[] { heldOutCount * 2, digits }, dtype: int64);
        var fresh = Keys(candidates).Select((key, i) => (key, i)).Where(c => !seen.Contains(c.key)).Take(heldOutCount).Select(c => (long)c.i).ToArray();
        return (train, candidates.index_select(0, tensor(fresh)));
    }

    /// <summary>Each list [N, digits] as one number (its digits in base 10), so that set membership is cheap.</summary>
    public static long[] Keys(Tensor lists)
    {
        ArgumentNullException.ThrowIfNull(lists);
        if (lists.dim() != 2)
            throw new ArgumentException($"Keys expects digit lists [N, digits]; got [{string.Join(", ", lists.shape)}].", nameof(lists));
        using var powers = pow(10, arange(lists.shape[1] - 1, -1, -1, dtype: int64));
        using var keys = (lists.to(int64) * powers).sum(1);
        return keys.data<long>().ToArray();
    }
}
