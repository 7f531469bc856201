using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// How far a model's parameters moved from another copy's (its initialisation, recreated with the same seed): lesson
/// 04 checks that an optimizer holding only the decoder leaves the encoder where it started.
/// </summary>
public static class ParameterDrift
{
    /// <summary>The largest absolute difference of any element between corresponding parameters.</summary>
    public static double Largest(IEnumerable<Parameter> a, IEnumerable<Parameter> b)
    {
        var pairs = Pairs(a, b);
        using var _ = no_grad();
        return pairs.Count == 0 ? 0 : pairs.Max(p => (p.A.detach() - p.B.detach().to(p.A.device)).abs().max().item<float>());
    }

    /// <summary>
    /// True when every pair of parameters is equal once both are rounded to float16: the test for "never moved" when
    /// one side was stored as float16 (shipped weights), where a weight that never moved still differs from its float32
    /// initial value by that rounding (below 2⁻¹¹ of its size).
    /// </summary>
    public static bool SameAtHalfPrecision(IEnumerable<Parameter> a, IEnumerable<Parameter> b)
    {
        var pairs = Pairs(a, b);
        using var _ = no_grad();
        return pairs.All(p => p.A.detach().to(float16).equal(p.B.detach().to(p.A.device).to(float16)).all().item<bool>());
    }

    static List<(Parameter A, Parameter B)> Pairs(IEnumerable<Parameter> a, IEnumerable<Parameter> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var left = a.ToList();
        var right = b.ToList();
        if (left.Count != right.Count)
            throw new ArgumentException($"ParameterDrift compares corresponding parameters: one side has {left.Count}, the other {right.Count}.", nameof(b));
        for (int i = 0; i < left.Count; i++)
            if (!left[i].shape.SequenceEqual(right[i].shape))
                throw new ArgumentException($"ParameterDrift: parameter {i} is [{string.Join(", ", left[i].shape)}] on one side and [{string.Join(", ", right[i].shape)}] on the other.", nameof(b));
        return left.Zip(right).Select(p => (p.First, p.Second)).ToList();
    }
}
