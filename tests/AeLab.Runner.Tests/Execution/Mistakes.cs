namespace AeLab.Runner.Tests.Execution;

/// <summary>
/// What fixtures/mistakes.dib must print, cell by cell, in whichever kernel ran it: every libtorch mistake an
/// ExternalException with libtorch's message, an overflowing cast C#'s own result, a wrong exercise answer "not yet",
/// the library's own checks an expects-vs-got ArgumentException, and at the end the session's variables intact.
/// </summary>
static class Mistakes
{
    public const int Cells = 23;

    /// <param name="said">The text each code cell printed, in order (the first cell, the set-up, prints nothing).</param>
    public static void Check(IReadOnlyList<string> said)
    {
        Assert.Equal(Cells, said.Count);
        foreach (var text in said.Skip(1).SkipLast(1))
        {
            if (text.StartsWith("(float)")) Assert.Equal("(float) of 1e300: value ∞", text.Replace("Infinity", "∞"));
            else if (text.StartsWith("(int)")) Assert.Equal("(int) of 3e9L: value -1294967296", text);
            else if (text.StartsWith("exercise")) Assert.Matches(@"✗ \d\d\.\d not yet: .*(ExternalException|float64)", text);
            else if (text.Contains("ArgumentException")) Assert.Matches(@"^[^:]+: ArgumentException: [\w.]+ expects ", text);
            else Assert.Matches(@"^[^:]+: ExternalException: \S", text);
        }
        Assert.Equal("still here: kept 2x2, sum unchanged True, matmul works 5", said[^1]);
    }
}
