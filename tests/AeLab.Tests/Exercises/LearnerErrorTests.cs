using System.Runtime.InteropServices;
using AeLab.Exercises;
using AeLab.Models.Attention;
using static TorchSharp.torch;

namespace AeLab.Tests.Exercises;

// Whatever a learner's code throws — libtorch's ExternalException included — a check reports "not yet" with the error
// and carries on; strict mode still throws ExerciseException. matmul itself is not called with bad shapes here: until
// TorchSharp's matmul error is caught natively it ends the process, so mm (which throws) and explicit throws stand in.
public class LearnerErrorTests
{
    public LearnerErrorTests()
    {
        NativeLoader.EnsureLoaded();
        Environment.SetEnvironmentVariable(Exercise.ModeVariable, null);
    }

    const string H = "the hint";

    static string NotYet(ExerciseResult r, params string[] parts)
    {
        var line = r.ToString();
        Console.WriteLine(line);
        Assert.Equal(ExerciseOutcome.Wrong, r.Outcome);
        Assert.StartsWith($"✗ {r.Id} not yet: ", line);
        Assert.EndsWith($"Hint: {H}", line);
        foreach (var p in parts) Assert.Contains(p, line);
        return line;
    }

    static readonly (Tensor, Tensor, Tensor)[] AttentionInputs = [(randn(5, 8), randn(6, 8), randn(6, 3)), (randn(2, 4, 5, 8), randn(2, 4, 6, 8), randn(2, 4, 6, 3))];

    static Tensor Reference(Tensor q, Tensor k, Tensor v) => ScaledDotProductAttention.Compute(q, k, v).Output;

    [Fact]
    public void Attention_without_the_transpose_reports_libtorchs_error()
    {
        // 10.1 answered with q·k instead of q·kᵀ: libtorch refuses the shapes.
        Tensor NoTranspose(Tensor q, Tensor k, Tensor v) => (q.mm(k) / Math.Sqrt(q.shape[^1])).softmax(-1).mm(v);
        NotYet(Exercise.Check("10.1", NoTranspose, Reference, AttentionInputs, hint: H, gradients: true),
            "for test input 1 of 2 ([5, 8], [6, 8], [6, 3]), your function threw ExternalException:", "5x8 and 6x8");
    }

    [Fact]
    public void A_native_error_thrown_as_ExternalException_is_reported_by_its_first_line()
    {
        // What matmul throws once its native error is caught: libtorch's message, then its C++ stack.
        Tensor Throws(Tensor q, Tensor k, Tensor v) =>
            throw new ExternalException("The size of tensor a (8) must match the size of tensor b (6) at non-singleton dimension 0\nException raised from infer_size_impl at aten/src/ATen/ExpandUtils.cpp:31");
        var line = NotYet(Exercise.Check("10.1", Throws, Reference, AttentionInputs, hint: H),
            "your function threw ExternalException: The size of tensor a (8) must match the size of tensor b (6) at non-singleton dimension 0. Hint");
        Assert.DoesNotContain("ExpandUtils", line);
    }

    [Fact]
    public void A_float32_constant_against_a_float64_test_input_is_named()
    {
        // 09.1 with a float32 tensor made inside the function: mm refuses double against float.
        var inputs = new[] { (randn(64, 4), randn(16, 4)), (randn(64, 4, dtype: float64), randn(16, 4, dtype: float64)) };
        Tensor Reference2(Tensor r, Tensor c) => cdist(r, c).argmin(1);
        Tensor Float32Constant(Tensor rows, Tensor codebook)
        {
            var twos = eye(4) * 2;   // 2·I, float32 whatever the input
            return (rows.pow(2).sum(1, keepdim: true) - rows.mm(twos).mm(codebook.t()) + codebook.pow(2).sum(1)).argmin(1);
        }
        NotYet(Exercise.Check("09.1", Float32Constant, Reference2, inputs, hint: H),
            "for test input 2 of 2 ([64, 4] float64, [16, 4] float64), your function threw ExternalException:",
            "This test input is float64: create any constant with the input's dtype (zeros_like(x), tensor(c, dtype: x.dtype)), not as float32.");
        // 09.1 answered rows·codebook (no transpose) fails on the first input already, with no dtype note.
        var line = NotYet(Exercise.Check("09.1", (r, c) => r.mm(c).argmin(1), Reference2, inputs, hint: H),
            "for test input 1 of 2 ([64, 4], [16, 4]), your function threw ExternalException:");
        Assert.DoesNotContain("float64", line);
    }

    [Fact]
    public void A_result_that_cannot_be_compared_is_reported_not_thrown()
    {
        var x = randn(3, 2);
        Tensor Disposed(Tensor t) { var y = t * 2; y.Dispose(); return y; }
        NotYet(Exercise.Check("t.1", Disposed, t => t * 2, new[] { x }, hint: H), "your result cannot be compared with the right values:");
        var gone = randn(2); gone.Dispose();
        NotYet(Exercise.Check("t.2", gone, zeros(2), hint: H), "your tensor cannot be compared with the right values:");
        NotYet(Exercise.Check("t.3", "abc", s => throw new FormatException("not a number"), hint: H), "checking \"abc\" threw FormatException: not a number.");
    }

    [Fact]
    public void Strict_mode_still_throws_ExerciseException_for_a_learner_error()
    {
        try
        {
            Environment.SetEnvironmentVariable(Exercise.ModeVariable, "strict");
            var e = Assert.Throws<ExerciseException>(() => Exercise.Check("10.1",
                (q, k, v) => throw new ExternalException("shapes cannot be multiplied"), Reference, AttentionInputs, hint: H));
            Assert.Equal("10.1", e.Id);
            Assert.Equal(ExerciseOutcome.Wrong, e.Result.Outcome);
            Assert.Contains("✗ 10.1 not yet: for test input 1 of 2", e.Message);
            Assert.Contains("ExternalException: shapes cannot be multiplied.", e.Message);
            Assert.Throws<ExerciseException>(() => Exercise.Check("10.1", (q, k, v) => q.mm(k), Reference, AttentionInputs, hint: H));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Exercise.ModeVariable, null);
        }
    }
}
