using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Core;

/// <summary>
/// The checks the library runs on tensors before it hands them to native code, all with one message:
/// "&lt;who&gt; expects &lt;argument&gt; &lt;what&gt;; got &lt;what came&gt;. &lt;how to fix it&gt;", as an
/// <see cref="ArgumentException"/> naming the argument. Native code reports the same mistakes as "index out of
/// range in self" or a shape it cannot reshape to, and a few native calls (matmul, autograd.grad) end the process.
/// </summary>
internal static class Expect
{
    /// <summary>"[4, 3, 32, 32]".</summary>
    public static string ShapeOf(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    /// <summary>"float64", the name a learner writes in <c>dtype: float64</c>.</summary>
    public static string NameOf(ScalarType dtype) => dtype.ToString().ToLowerInvariant();

    /// <summary>The exception every check throws: "{who} expects {argument} {expected}; got {got}. {fix}".</summary>
    public static ArgumentException Mismatch(string who, string argument, string expected, string got, string? fix = null) =>
        new($"{who} expects {argument} {expected}; got {got}.{(fix is null ? "" : " " + fix)}", argument);

    /// <summary>
    /// A batch [B, …] for a fully connected model built for one item of <paramref name="shape"/>: the sizes after the
    /// batch must multiply to the model's input size (so [B, 1, 28, 28] and [B, 784] both pass, [B, 3, 32, 32] does not).
    /// </summary>
    public static void FlatBatch(Tensor x, long[] shape, string who, string argument, string what)
    {
        long size = shape.Aggregate(1L, (a, b) => a * b);
        if (x.dim() >= 2 && x.shape[1..].Aggregate(1L, (a, b) => a * b) == size) return;
        string expected = $"as {what} [B, {string.Join(", ", shape)}]" + (shape.Length > 1 ? $" (or flat [B, {size}])" : "");
        string fix = x.dim() == shape.Length && x.shape.SequenceEqual(shape)
            ? $"Add the batch dimension: {argument}.unsqueeze(0)."
            : x.dim() >= 2
                ? $"The model was built for {string.Join("×", shape)} {what}; build it for [{string.Join(", ", x.shape[1..])}], or resize the {what}."
                : "The first size is the batch.";
        throw Mismatch(who, argument, expected, ShapeOf(x), fix);
    }

    /// <summary><paramref name="t"/> must have <paramref name="reference"/>'s dtype and device (what matmul needs of its two sides).</summary>
    public static void SameKind(Tensor t, Tensor reference, string who, string argument, string referenceName)
    {
        if (t.dtype != reference.dtype)
            throw Mismatch(who, argument, $"with the dtype of {referenceName}, {NameOf(reference.dtype)}", NameOf(t.dtype),
                $"Convert one of them, e.g. {argument}.to({NameOf(reference.dtype)}).");
        if (t.device.type != reference.device.type || t.device.index != reference.device.index)
            throw Mismatch(who, argument, $"on the device of {referenceName}, {reference.device}", t.device.ToString(),
                $"Move one of them, e.g. {argument}.to({referenceName}.device).");
    }

    /// <summary>Integer indices in 0…count−1 (what an embedding or index_select reads); reads the extremes back from the device.</summary>
    public static void Indices(Tensor indices, long count, string who, string argument, string what = "code")
    {
        if (indices.dtype != ScalarType.Int64)
            throw Mismatch(who, argument, $"as int64 {what} numbers", NameOf(indices.dtype), $"Use {argument}.to(int64).");
        if (indices.numel() == 0) return;
        long min = indices.min().item<long>(), max = indices.max().item<long>();
        if (min < 0 || max >= count)
            throw Mismatch(who, argument, $"in 0…{count - 1} (one of its {count} {what}s)", $"values from {min} to {max}",
                $"Give {what}s of a model with {count} {what}s, or build this one for more.");
    }

    /// <summary>The shape two shapes broadcast to (sizes aligned from the right, equal or 1); null when they do not.</summary>
    public static long[]? BroadcastShape(long[] a, long[] b)
    {
        var result = new long[Math.Max(a.Length, b.Length)];
        for (int i = 1; i <= result.Length; i++)
        {
            long x = i <= a.Length ? a[^i] : 1, y = i <= b.Length ? b[^i] : 1;
            if (x != y && x != 1 && y != 1) return null;
            result[^i] = Math.Max(x, y);
        }
        return result;
    }

    /// <summary>A tensor that must carry its autograd graph (autograd.grad and backward need one).</summary>
    public static void HasGraph(Tensor t, string who, string argument)
    {
        if (!t.requires_grad)
            throw Mismatch(who, argument, "with its autograd graph (requires_grad true)", "a tensor without one",
                is_grad_enabled()
                    ? $"Compute {argument} from the model without .detach() (and outside no_grad())."
                    : "The call runs inside no_grad(): gradients are switched off, so there is no graph. Call it outside no_grad().");
    }
}
