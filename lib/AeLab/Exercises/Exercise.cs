using System.Collections;
using System.Globalization;
using AeLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Exercises;

/// <summary>
/// Checks for the exercises at the end of every lesson. A learner fills in a cell and ends it with a check; the check
/// returns an <see cref="ExerciseResult"/> the notebook shows as one line:
/// <c>✓ 01.1 right: …</c>, <c>✗ 01.1 not yet: &lt;what is wrong&gt; Hint: …</c>, or, while the placeholder
/// <see cref="Todo{T}"/> is still there (or the function to implement still throws
/// <see cref="NotImplementedException"/>), <c>○ 01.1 not answered yet: …</c>.
/// </summary>
/// <remarks>
/// <para><b>Hints.</b> A lesson's check passes no hint: the hints live in <see cref="Hints"/>, keyed by the exercise's
/// id. Nothing of them shows before an attempt; the first wrong answer to an exercise prints its first hint, the second
/// and every later one (counted per id for the life of the process, that is the notebook session) its fuller hint where
/// it has one. The optional <c>hint:</c> argument replaces the registered hint, for exercises outside the course.</para>
/// <para>A check never throws because an answer is wrong or missing: a wrong answer must not stop the notebook. Any
/// exception the learner's code causes — thrown by their function, by libtorch (an <c>ExternalException</c> with
/// libtorch's first line), by taking the gradient of their result or by comparing it — is caught and reported as
/// "not yet" with its message; when a float64 test input meets a float32 constant, the line says so.</para>
/// <para><b>Strict mode.</b> With the environment variable <c>AELAB_EXERCISES=strict</c> every check whose answer is not
/// right throws an <see cref="ExerciseException"/> naming the exercise. The tests run every lesson with the solutions of
/// <c>notebooks/solutions/</c> filled in and this switch on, so each check is known to pass on a right answer.</para>
/// <para>Kinds of checks: numbers (with a tolerance), whole numbers, yes/no, a choice among named options, tuples and
/// arrays (element by element), any value judged by a validator, tensors (shape, then allclose),
/// and functions the learner implements, called on test inputs and compared with a reference implementation —
/// optionally under the same random seed (for code that draws noise) and with their input gradients compared too.</para>
/// </remarks>
public static class Exercise
{
    /// <summary>The environment variable that switches strict mode on: <c>AELAB_EXERCISES=strict</c>.</summary>
    public const string ModeVariable = "AELAB_EXERCISES";

    /// <summary>True when <c>AELAB_EXERCISES=strict</c>: a check that is not right throws an <see cref="ExerciseException"/>.</summary>
    public static bool Strict =>
        string.Equals(Environment.GetEnvironmentVariable(ModeVariable)?.Trim(), "strict", StringComparison.OrdinalIgnoreCase);

    static int _todos;

    // Wrong answers so far, per exercise id, in this process (one notebook session).
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> WrongAnswers = new();

    /// <summary>How many wrong answers exercise <paramref name="id"/> has had in this process.</summary>
    public static int WrongAnswersTo(string id) => WrongAnswers.GetValueOrDefault(Id(id));

    /// <summary>
    /// The placeholder a learner replaces: <c>double answer = Exercise.Todo&lt;double&gt;();</c>, or inside a function to
    /// implement, <c>return Exercise.Todo&lt;Tensor&gt;();</c>. Returns <c>default</c> (0, false, null) and never throws;
    /// the next check reports "not answered yet".
    /// </summary>
    public static T Todo<T>()
    {
        Interlocked.Increment(ref _todos);
        return default!;
    }

    // True when a placeholder was used since the last check; resets the count.
    static bool TakeTodos() => Interlocked.Exchange(ref _todos, 0) > 0;

    // ---------------------------------------------------------------------------------------------------------------
    // Values

    /// <summary>
    /// A number, right when |answer − expected| ≤ tolerance · max(1, |expected|).
    /// </summary>
    /// <param name="id">The exercise, e.g. "01.1" (lesson 01, exercise 1).</param>
    /// <param name="answer">The learner's answer.</param>
    /// <param name="expected">The right value (usually computed by the library in the same cell).</param>
    /// <param name="tolerance">Allowed error, relative to the expected value when it is larger than 1.</param>
    /// <param name="right">What to say when it is right (default: the answer).</param>
    /// <param name="hint">Replaces the hint <see cref="Hints"/> holds for <paramref name="id"/> (for exercises outside the course).</param>
    public static ExerciseResult Check(string id, double answer, double expected, double tolerance = 1e-6, string? right = null, Hint? hint = null)
    {
        if (TakeTodos()) return Report(Unanswered(id));
        if (double.IsNaN(answer)) return Report(Wrong(id, "your answer is NaN.", hint));
        bool ok = Math.Abs(answer - expected) <= tolerance * Math.Max(1, Math.Abs(expected));
        return Report(ok ? Right(id, Said(answer, right)) : Wrong(id, $"{Show(answer)} is not right.", hint));
    }

    /// <summary>A whole number, right when equal.</summary>
    public static ExerciseResult Check(string id, long answer, long expected, string? right = null, Hint? hint = null)
    {
        if (TakeTodos()) return Report(Unanswered(id));
        return Report(answer == expected ? Right(id, Said(answer, right)) : Wrong(id, $"{Show(answer)} is not right.", hint));
    }

    /// <summary>A yes/no answer.</summary>
    public static ExerciseResult Check(string id, bool answer, bool expected, string? right = null, Hint? hint = null)
    {
        if (TakeTodos()) return Report(Unanswered(id));
        return Report(answer == expected ? Right(id, Said(answer, right)) : Wrong(id, $"{Show(answer)} is not right.", hint));
    }

    /// <summary>
    /// A choice, compared ignoring case and surrounding spaces. With <paramref name="choices"/>, an answer that is not
    /// one of them is reported as such.
    /// </summary>
    public static ExerciseResult Check(string id, string? answer, string expected, string? right = null, string[]? choices = null, Hint? hint = null)
    {
        if (TakeTodos() || answer is null) return Report(Unanswered(id));
        static string Norm(string s) => s.Trim().ToLowerInvariant();
        if (choices is { Length: > 0 } && !choices.Any(c => Norm(c) == Norm(answer)))
            return Report(Wrong(id, $"\"{answer}\" is not one of the choices ({string.Join(", ", choices.Select(c => $"\"{c}\""))}).", hint));
        return Report(Norm(answer) == Norm(expected) ? Right(id, Said(answer.Trim(), right)) : Wrong(id, $"\"{answer}\" is not right.", hint));
    }

    /// <summary>A tuple, such as <c>(19, 11)</c> or <c>(true, false)</c>: right when every element equals the expected one.</summary>
    public static ExerciseResult Check<T>(string id, T answer, T expected, string? right = null, Hint? hint = null)
        where T : struct, System.Runtime.CompilerServices.ITuple
    {
        if (TakeTodos()) return Report(Unanswered(id));
        bool ok = StructuralComparisons.StructuralEqualityComparer.Equals(answer, expected);
        return Report(ok ? Right(id, Said(answer, right)) : Wrong(id, $"{Show(answer)} is not right.", hint));
    }

    /// <summary>An array, such as a shape <c>new long[] { 4, 12, 12 }</c>: right when it has the expected elements in order.</summary>
    public static ExerciseResult Check<T>(string id, T[]? answer, T[] expected, string? right = null, Hint? hint = null)
    {
        if (TakeTodos() || answer is null) return Report(Unanswered(id));
        bool ok = answer.SequenceEqual(expected);
        return Report(ok ? Right(id, Said(answer, right)) : Wrong(id, $"{Show(answer)} is not right.", hint));
    }

    /// <summary>A value judged by <paramref name="isRight"/> (for questions with more than one right answer).</summary>
    public static ExerciseResult Check<T>(string id, T answer, Func<T, bool> isRight, string? right = null, Hint? hint = null)
    {
        if (TakeTodos() || answer is null) return Report(Unanswered(id));
        bool ok;
        try { ok = isRight(answer); }
        catch (Exception e) when (e is not ExerciseException) { return Report(Wrong(id, $"checking {Show(answer)} threw {Threw(e)}", hint)); }
        return Report(ok ? Right(id, Said(answer, right)) : Wrong(id, $"{Show(answer)} is not right.", hint));
    }

    /// <summary>A tensor: right when it has the expected shape and allclose(answer, expected, rtol, atol) holds.</summary>
    public static ExerciseResult Check(string id, Tensor? answer, Tensor expected,
        double rtol = 1e-5, double atol = 1e-6, string? right = null, Hint? hint = null)
    {
        NativeLoader.EnsureLoaded();
        if (TakeTodos() || answer is null) return Report(Unanswered(id));
        var problem = Compare(answer, expected, rtol, atol, "your tensor");
        return Report(problem is null ? Right(id, right ?? $"shape [{Shape(answer)}] and values match.") : Wrong(id, problem, hint));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Functions the learner implements

    /// <summary>
    /// A function of one tensor, called on every test input and compared with <paramref name="reference"/> (shape and
    /// allclose). With <paramref name="seed"/> both are called right after seeding torch with it, so code that draws
    /// noise (randn_like, …) must draw the same numbers. With <paramref name="gradients"/> the gradients each input
    /// receives from a weighted sum of the output are compared too.
    /// </summary>
    public static ExerciseResult Check(string id, Func<Tensor, Tensor?> answer, Func<Tensor, Tensor> reference, IEnumerable<Tensor> inputs,
        long? seed = null, double rtol = 1e-5, double atol = 1e-6, bool gradients = false, string? right = null, Hint? hint = null) =>
        CheckCalls(id, inputs.Select(x => new[] { x }).ToList(), a => answer(a[0]), a => reference(a[0]), hint, seed, rtol, atol, gradients, right);

    /// <summary>A function of two tensors; see the one-argument overload.</summary>
    public static ExerciseResult Check(string id, Func<Tensor, Tensor, Tensor?> answer, Func<Tensor, Tensor, Tensor> reference,
        IEnumerable<(Tensor, Tensor)> inputs, long? seed = null, double rtol = 1e-5, double atol = 1e-6,
        bool gradients = false, string? right = null, Hint? hint = null) =>
        CheckCalls(id, inputs.Select(x => new[] { x.Item1, x.Item2 }).ToList(), a => answer(a[0], a[1]), a => reference(a[0], a[1]),
            hint, seed, rtol, atol, gradients, right);

    /// <summary>A function of three tensors; see the one-argument overload.</summary>
    public static ExerciseResult Check(string id, Func<Tensor, Tensor, Tensor, Tensor?> answer, Func<Tensor, Tensor, Tensor, Tensor> reference,
        IEnumerable<(Tensor, Tensor, Tensor)> inputs, long? seed = null, double rtol = 1e-5, double atol = 1e-6,
        bool gradients = false, string? right = null, Hint? hint = null) =>
        CheckCalls(id, inputs.Select(x => new[] { x.Item1, x.Item2, x.Item3 }).ToList(), a => answer(a[0], a[1], a[2]),
            a => reference(a[0], a[1], a[2]), hint, seed, rtol, atol, gradients, right);

    /// <summary>A function of four tensors; see the one-argument overload.</summary>
    public static ExerciseResult Check(string id, Func<Tensor, Tensor, Tensor, Tensor, Tensor?> answer,
        Func<Tensor, Tensor, Tensor, Tensor, Tensor> reference, IEnumerable<(Tensor, Tensor, Tensor, Tensor)> inputs,
        long? seed = null, double rtol = 1e-5, double atol = 1e-6, bool gradients = false, string? right = null, Hint? hint = null) =>
        CheckCalls(id, inputs.Select(x => new[] { x.Item1, x.Item2, x.Item3, x.Item4 }).ToList(), a => answer(a[0], a[1], a[2], a[3]),
            a => reference(a[0], a[1], a[2], a[3]), hint, seed, rtol, atol, gradients, right);

    /// <summary>
    /// Code that produces a tensor (for example with the inputs written into the lambda), compared with what
    /// <paramref name="reference"/> produces; with <paramref name="seed"/>, each runs right after seeding torch with it.
    /// </summary>
    public static ExerciseResult Check(string id, Func<Tensor?> answer, Func<Tensor> reference,
        long? seed = null, double rtol = 1e-5, double atol = 1e-6, string? right = null, Hint? hint = null) =>
        CheckCalls(id, new List<Tensor[]> { Array.Empty<Tensor>() }, _ => answer(), _ => reference(), hint, seed, rtol, atol, false, right);

    /// <summary>A function of a number, compared with <paramref name="reference"/> on every input (tolerance as for numbers).</summary>
    public static ExerciseResult Check(string id, Func<double, double> answer, Func<double, double> reference, IEnumerable<double> inputs,
        double tolerance = 1e-9, string? right = null, Hint? hint = null)
    {
        if (TakeTodos()) return Report(Unanswered(id));
        var xs = inputs.ToList();
        for (int i = 0; i < xs.Count; i++)
        {
            double expected = reference(xs[i]), got;
            try { got = answer(xs[i]); }
            catch (NotImplementedException) { return Report(Unanswered(id)); }
            catch (Exception e) when (e is not ExerciseException)
            {
                if (TakeTodos()) return Report(Unanswered(id));
                return Report(Wrong(id, $"for {Show(xs[i])} your function threw {Threw(e)}", hint));
            }
            if (TakeTodos()) return Report(Unanswered(id));
            if (double.IsNaN(got) || Math.Abs(got - expected) > tolerance * Math.Max(1, Math.Abs(expected)))
                return Report(Wrong(id, $"for {Show(xs[i])} your function gives {Show(got)}, which is not right.", hint));
        }
        return Report(Right(id, right ?? $"your function agrees with the reference on all {xs.Count} test inputs."));
    }

    static ExerciseResult CheckCalls(string id, List<Tensor[]> cases, Func<Tensor[], Tensor?> answer, Func<Tensor[], Tensor> reference,
        Hint? hint, long? seed, double rtol, double atol, bool gradients, string? right)
    {
        NativeLoader.EnsureLoaded();
        if (TakeTodos()) return Report(Unanswered(id));
        using var grad = enable_grad();   // a check may run inside no_grad; references may use autograd
        for (int i = 0; i < cases.Count; i++)
        {
            string which = cases.Count == 1 ? "" : $"for test input {i + 1} of {cases.Count}" +
                           (cases[i].Length == 0 ? "" : $" ({string.Join(", ", cases[i].Select(Describe))})") + ", ";
            var refArgs = Copies(cases[i], gradients);
            if (seed is { } s1) manual_seed(s1);
            var expected = reference(refArgs);

            var args = Copies(cases[i], gradients);
            Tensor? got;
            if (seed is { } s2) manual_seed(s2);
            try { got = answer(args); }
            catch (NotImplementedException) { return Report(Unanswered(id)); }
            catch (Exception e) when (e is not ExerciseException)
            {
                // A placeholder's null (or 0) often makes the code around it throw: that is still "not answered".
                if (TakeTodos()) return Report(Unanswered(id));
                return Report(Wrong(id, $"{which}your function threw {Threw(e)}{DTypeNote(e, cases[i])}", hint));
            }
            if (TakeTodos()) return Report(Unanswered(id));
            if (got is null) return Report(Wrong(id, $"{which}your function returned null.", hint));
            var problem = Compare(got, expected, rtol, atol, $"{which}your result");
            if (problem is not null) return Report(Wrong(id, problem, hint));

            if (gradients)
            {
                var expectedGrads = Gradients(expected, refArgs);
                Tensor?[] gotGrads;
                try { gotGrads = Gradients(got, args); }
                catch (Exception e) when (e is not ExerciseException)
                {
                    return Report(Wrong(id, $"{which}the values are right, but taking the gradient of your result threw {Threw(e)}", hint));
                }
                for (int a = 0; a < args.Length; a++)
                {
                    if (expectedGrads[a] is null) continue;
                    var g = gotGrads[a] ?? zeros_like(expectedGrads[a]!);
                    var gp = Compare(g, expectedGrads[a]!, rtol, atol, $"{which}the values are right, but the gradient with respect to argument {a + 1}");
                    if (gp is not null) return Report(Wrong(id, gp, hint));
                }
            }
        }
        return Report(Right(id, right ?? (cases.Count == 1 ? "your result matches the reference."
            : $"your function agrees with the reference on all {cases.Count} test inputs{(gradients ? ", values and gradients" : "")}.")));
    }

    // Fresh leaf copies of the inputs, so neither implementation can change the caller's tensors or the other's.
    static Tensor[] Copies(Tensor[] inputs, bool gradients) => inputs.Select(t =>
    {
        var c = t.detach().clone();
        return gradients && c.is_floating_point() ? c.requires_grad_(true) : c;
    }).ToArray();

    // d/d input of Σ w·output, with fixed weights w = 1, 2, …, 7, 1, 2, … (no random draw); null where an input takes no gradient.
    static Tensor?[] Gradients(Tensor output, Tensor[] inputs)
    {
        foreach (var x in inputs) x.grad?.zero_();
        if (output.requires_grad && output.is_floating_point())
        {
            using var w = (arange(output.numel(), dtype: float64) % 7 + 1).reshape(output.shape).to(output.dtype).to(output.device);
            (output * w).sum().backward();
        }
        return inputs.Select(x => x.requires_grad ? x.grad ?? zeros_like(x) : null).ToArray();
    }

    // Differs, with whatever the learner's tensor makes the comparison throw (a complex dtype, a freed tensor) reported too.
    static string? Compare(Tensor got, Tensor expected, double rtol, double atol, string what)
    {
        try { return Differs(got, expected, rtol, atol, what); }
        catch (Exception e) when (e is not ExerciseException) { return $"{what} cannot be compared with the right values: {Threw(e)}"; }
    }

    // null when the tensors agree, else what differs (shape first, then the largest difference and where it is).
    static string? Differs(Tensor got, Tensor expected, double rtol, double atol, string what)
    {
        if (!got.shape.SequenceEqual(expected.shape))
            return $"{what} has shape [{Shape(got)}] but should have shape [{Shape(expected)}].";
        using var a = got.detach().cpu().to(float64);
        using var b = expected.detach().cpu().to(float64);
        if (a.numel() == 0) return null;
        if (a.isnan().any().item<bool>() && !b.isnan().any().item<bool>()) return $"{what} contains NaN.";
        if (a.allclose(b, rtol, atol, equal_nan: true)) return null;
        using var gap = (a - b).abs().nan_to_num(0.0, double.PositiveInfinity, double.NegativeInfinity);
        long flat = gap.flatten().argmax().item<long>();
        var index = Unravel(flat, got.shape);
        return $"{what} differs from the right values by up to {Show(gap.max().item<double>())}" +
               (got.shape.Length == 0 ? "." : $" (at index [{string.Join(", ", index)}]).");
    }

    static long[] Unravel(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { index[d] = flat % shape[d]; flat /= shape[d]; }
        return index;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Results

    static ExerciseResult Right(string id, string message) => new(Id(id), ExerciseOutcome.Right, message);

    // A wrong answer counts against its exercise; the first says the first hint, every later one the fuller hint.
    static ExerciseResult Wrong(string id, string problem, Hint? hint)
    {
        id = Id(id);
        int wrong = WrongAnswers.AddOrUpdate(id, 1, (_, n) => n + 1);
        var said = (hint ?? Hints.For(id))?.After(wrong);
        return new(id, ExerciseOutcome.Wrong, said is null ? problem : $"{problem} Hint: {said}");
    }

    // No hint before an attempt: the learner thinks first.
    static ExerciseResult Unanswered(string id) =>
        new(Id(id), ExerciseOutcome.Unanswered, "replace the Exercise.Todo placeholder with your answer.");

    static string Id(string id) =>
        string.IsNullOrWhiteSpace(id) ? throw new ArgumentException("An exercise needs an id such as \"01.1\".", nameof(id)) : id.Trim();

    // Strict mode turns anything but a right answer into an exception naming the exercise.
    static ExerciseResult Report(ExerciseResult result) =>
        result.IsRight || !Strict ? result : throw new ExerciseException(result);

    // A right value is repeated, then what the exercise adds about it.
    static string Said(object? answer, string? right) => right is null ? $"{Show(answer)}." : $"{Show(answer)} — {right}";

    static string FirstLine(string s) => s.Split('\n')[0].Trim();

    // "ExternalException: <libtorch's first line>." — any exception, native ones included.
    static string Threw(Exception e) => $"{e.GetType().Name}: {Sentence(FirstLine(e.Message))}";

    // "[64, 8] float64": the dtype only where it is not the default, so float32 inputs read as before.
    static string Describe(Tensor t) => t.dtype == ScalarType.Float32 ? $"[{Shape(t)}]" : $"[{Shape(t)}] {t.dtype.ToString().ToLowerInvariant()}";

    // A dtype clash (a float32 constant against a float64 input) is the usual cause of such an error: say so.
    static string DTypeNote(Exception e, Tensor[] inputs)
    {
        var other = inputs.FirstOrDefault(t => t.is_floating_point() && t.dtype != ScalarType.Float32);
        if (other is null || !System.Text.RegularExpressions.Regex.IsMatch(e.Message, @"dtype|scalar type|\bdouble\b|\bfloat\b",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase)) return "";
        string name = other.dtype.ToString().ToLowerInvariant();
        return $" This test input is {name}: create any constant with the input's dtype (zeros_like(x), tensor(c, dtype: x.dtype)), not as float32.";
    }

    static string Sentence(string s) => s.EndsWith('.') ? s : s + ".";

    static string Shape(Tensor t) => string.Join(", ", t.shape);

    static string Show(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        string s => $"\"{s}\"",
        Tensor t => $"a tensor of shape [{Shape(t)}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Show)) + "]",
        System.Runtime.CompilerServices.ITuple t => "(" + string.Join(", ", Enumerable.Range(0, t.Length).Select(i => Show(t[i]))) + ")",
        _ => value.ToString() ?? "",
    };
}
