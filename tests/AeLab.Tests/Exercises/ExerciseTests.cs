using System.Reflection;
using AeLab.Exercises;
using AeLab.Models;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Tests.Exercises;

// Every kind of check: a right answer passes, a wrong one says "not yet" with the hint (and does not throw), the
// placeholder says "not answered yet" without it, and strict mode (AELAB_EXERCISES=strict) throws for anything but right.
public class ExerciseTests
{
    public ExerciseTests()
    {
        NativeLoader.EnsureLoaded();
        Environment.SetEnvironmentVariable(Exercise.ModeVariable, null);
    }

    static void Right(ExerciseResult r)
    {
        Console.WriteLine(r);
        Assert.Equal(ExerciseOutcome.Right, r.Outcome);
        Assert.StartsWith($"✓ {r.Id} right: ", r.ToString());
    }

    static void Wrong(ExerciseResult r, string? mentions = null)
    {
        Console.WriteLine(r);
        Assert.Equal(ExerciseOutcome.Wrong, r.Outcome);
        Assert.StartsWith($"✗ {r.Id} not yet: ", r.ToString());
        Assert.Contains("Hint: the hint", r.ToString());
        if (mentions is not null) Assert.Contains(mentions, r.Message);
    }

    static void Unanswered(ExerciseResult r)
    {
        Console.WriteLine(r);
        Assert.Equal(ExerciseOutcome.Unanswered, r.Outcome);
        Assert.StartsWith($"○ {r.Id} not answered yet: ", r.ToString());
        Assert.DoesNotContain("Hint", r.ToString());   // no hint before an attempt
    }

    const string H = "the hint";

    [Fact]
    public void Numbers_with_a_tolerance()
    {
        Right(Exercise.Check("t.1", 0.30000001, 0.3, hint: H));
        Right(Exercise.Check("t.1", 1000.5, 1000.0, hint: H, tolerance: 1e-3));   // relative above 1
        Wrong(Exercise.Check("t.1", 0.31, 0.3, hint: H), "0.31 is not right");
        Wrong(Exercise.Check("t.1", 1002.0, 1000.0, hint: H, tolerance: 1e-3));
        Wrong(Exercise.Check("t.1", double.NaN, 0.3, hint: H), "NaN");
        Unanswered(Exercise.Check("t.1", Exercise.Todo<double>(), 0.3, hint: H));
        // The placeholder's default (0) counts as unanswered even when 0 would be right.
        Unanswered(Exercise.Check("t.1", Exercise.Todo<double>(), 0.0, hint: H));
        Right(Exercise.Check("t.1", 0.0, 0.0, hint: H));
    }

    [Fact]
    public void Whole_numbers_yes_no_and_choices()
    {
        Right(Exercise.Check("t.2", 236436L, 236436L, hint: H, right: "weights and biases"));
        Assert.Equal("✓ t.2 right: 5 — weights and biases", Exercise.Check("t.2", 5L, 5L, hint: H, right: "weights and biases").ToString());
        Assert.Contains("weights and biases", Exercise.Check("t.2", 5L, 5L, hint: H, right: "weights and biases").Message);
        Wrong(Exercise.Check("t.2", 236416L, 236436L, hint: H));
        Unanswered(Exercise.Check("t.2", Exercise.Todo<long>(), 236436L, hint: H));

        Right(Exercise.Check("t.3", true, true, hint: H));
        Wrong(Exercise.Check("t.3", false, true, hint: H));
        Unanswered(Exercise.Check("t.3", Exercise.Todo<bool>(), false, hint: H));

        string[] choices = ["mean", "covariance"];
        Right(Exercise.Check("t.4", " Covariance ", "covariance", hint: H, choices: choices));
        Wrong(Exercise.Check("t.4", "mean", "covariance", hint: H, choices: choices), "\"mean\" is not right");
        Wrong(Exercise.Check("t.4", "both", "covariance", hint: H, choices: choices), "not one of the choices");
        Unanswered(Exercise.Check("t.4", Exercise.Todo<string>(), "covariance", hint: H, choices: choices));
    }

    [Fact]
    public void Tuples_arrays_and_validators()
    {
        Right(Exercise.Check("t.5", (19, 11), (19, 11), hint: H));
        Wrong(Exercise.Check("t.5", (19, 10), (19, 11), hint: H), "(19, 10)");
        Unanswered(Exercise.Check("t.5", (Exercise.Todo<int>(), 11), (19, 11), hint: H));
        Right(Exercise.Check("t.6", new long[] { 4, 12, 12 }, new long[] { 4, 12, 12 }, hint: H));
        Wrong(Exercise.Check("t.6", new long[] { 4, 24, 24 }, new long[] { 4, 12, 12 }, hint: H), "[4, 24, 24]");

        Right(Exercise.Check("t.7", -1000.0, b => b < -50, hint: H));
        Wrong(Exercise.Check("t.7", 0.0, b => b < -50, hint: H));
        Unanswered(Exercise.Check("t.7", Exercise.Todo<double>(), b => b < -50, hint: H));
    }

    [Fact]
    public void Tensors_compare_shape_then_values()
    {
        var expected = tensor(new float[] { 1, 2, 3 });
        Right(Exercise.Check("t.8", tensor(new double[] { 1, 2, 3.000001 }), expected, hint: H));
        Wrong(Exercise.Check("t.8", tensor(new float[] { 1, 2, 3 }).reshape(3, 1), expected, hint: H), "shape [3, 1] but should have shape [3]");
        Wrong(Exercise.Check("t.8", tensor(new float[] { 1, 2.5f, 3 }), expected, hint: H), "at index [1]");
        Wrong(Exercise.Check("t.8", tensor(new float[] { 1, float.NaN, 3 }), expected, hint: H), "NaN");
        Unanswered(Exercise.Check("t.8", Exercise.Todo<Tensor>(), expected, hint: H));
    }

    // The lessons' "implement" exercises, each with a right and a wrong implementation.

    [Fact]
    public void Kl_divergence_against_the_library()
    {
        Lab.Init(seed: 1);
        var inputs = new[] { (randn(4, 3), randn(4, 3)), (randn(2, 5) * 3, randn(2, 5) - 2) };
        Tensor RightKl(Tensor mu, Tensor logvar) => 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(1);
        Tensor WrongKl(Tensor mu, Tensor logvar) => 0.5 * (mu.pow(2) + logvar.exp() - logvar).sum(1);          // forgot the −1
        Tensor NotSummed(Tensor mu, Tensor logvar) => 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1);
        Right(Exercise.Check("t.9", RightKl, Gaussian.KlToStandardNormal, inputs, hint: H, gradients: true));
        Wrong(Exercise.Check("t.9", WrongKl, Gaussian.KlToStandardNormal, inputs, hint: H), "test input 1 of 2");
        Wrong(Exercise.Check("t.9", NotSummed, Gaussian.KlToStandardNormal, inputs, hint: H), "should have shape [4]");
        Unanswered(Exercise.Check("t.9", (mu, lv) => Exercise.Todo<Tensor>(), Gaussian.KlToStandardNormal, inputs, hint: H));
        Unanswered(Exercise.Check("t.9", (mu, lv) => throw new NotImplementedException(), Gaussian.KlToStandardNormal, inputs, hint: H));
        // (A managed exception: on this platform an error inside libtorch ends the process before .NET sees it.)
        Wrong(Exercise.Check("t.9", (mu, lv) => throw new ArgumentException("mu and logvar differ"), Gaussian.KlToStandardNormal, inputs, hint: H),
            "your function threw ArgumentException: mu and logvar differ. Hint");
        Wrong(Exercise.Check("t.9", (mu, lv) => null, Gaussian.KlToStandardNormal, inputs, hint: H), "returned null");
        // Code around a placeholder that fails on its null is still "not answered yet".
        Unanswered(Exercise.Check("t.9", (mu, lv) => Exercise.Todo<Tensor>().sum(1), Gaussian.KlToStandardNormal, inputs, hint: H));
    }

    [Fact]
    public void Reparameterization_under_a_fixed_seed()
    {
        var inputs = new[] { (tensor(new float[] { 1f, -0.5f }), tensor(new float[] { 0f, -1f })), (zeros(3, 4), ones(3, 4)) };
        Tensor RightZ(Tensor mu, Tensor logvar) => mu + (0.5 * logvar).exp() * randn_like(mu);
        Tensor Uniform(Tensor mu, Tensor logvar) => mu + (0.5 * logvar).exp() * rand_like(mu);                 // rand, not randn
        Tensor Variance(Tensor mu, Tensor logvar) => mu + logvar.exp() * randn_like(mu);                       // σ² instead of σ
        Right(Exercise.Check("t.10", RightZ, Gaussian.Reparameterize, inputs, hint: H, seed: 42, gradients: true));
        Wrong(Exercise.Check("t.10", Uniform, Gaussian.Reparameterize, inputs, hint: H, seed: 42));
        Wrong(Exercise.Check("t.10", Variance, Gaussian.Reparameterize, inputs, hint: H, seed: 42));
        // Without the seed the same right code draws other numbers: seeding is what makes it checkable.
        Wrong(Exercise.Check("t.10", RightZ, (mu, lv) => { manual_seed(7); return Gaussian.Reparameterize(mu, lv); }, inputs, hint: H, seed: 42));
    }

    [Fact]
    public void LeakyReLU_values_and_gradients_against_torch()
    {
        var x = linspace(-3, 3, 61);   // 0 is one of the points
        var inputs = new[] { x, randn(4, 5) };
        Tensor Reference(Tensor t) => nn.functional.leaky_relu(t, 0.2);
        Tensor RightLeaky(Tensor t) => where(t > 0, t, 0.2 * t);
        Tensor Relu(Tensor t) => t.clamp_min(0);
        // Values right, gradient wrong: detaching the negative side kills its gradient.
        Tensor Detached(Tensor t) => where(t > 0, t, (0.2 * t).detach());
        Right(Exercise.Check("t.11", RightLeaky, Reference, inputs, hint: H, gradients: true));
        Wrong(Exercise.Check("t.11", Relu, Reference, inputs, hint: H, gradients: true));
        Right(Exercise.Check("t.11", Detached, Reference, inputs, hint: H));
        Wrong(Exercise.Check("t.11", Detached, Reference, inputs, hint: H, gradients: true), "gradient with respect to argument 1");
    }

    [Fact]
    public void Straight_through_gradients_with_two_inputs()
    {
        var inputs = new[] { (randn(2, 3), randn(2, 3)) };
        Tensor Reference(Tensor z, Tensor zq) => z + (zq - z).detach();
        Right(Exercise.Check("t.12", (z, zq) => zq.detach() + z - z.detach(), Reference, inputs, hint: H, gradients: true));
        Wrong(Exercise.Check("t.12", (z, zq) => zq, Reference, inputs, hint: H, gradients: true), "argument 1");
        Wrong(Exercise.Check("t.12", (z, zq) => z + zq - z.detach(), Reference, inputs, hint: H, gradients: true), "argument 2");
    }

    [Fact]
    public void Three_argument_zero_argument_and_number_functions()
    {
        var q = randn(3, 2); var k = randn(3, 2); var v = randn(3, 2);
        Tensor Attend(Tensor a, Tensor b, Tensor c) => (a.matmul(b.T) / Math.Sqrt(2)).softmax(-1).matmul(c);
        Tensor Unscaled(Tensor a, Tensor b, Tensor c) => a.matmul(b.T).softmax(-1).matmul(c);
        Tensor Reference(Tensor a, Tensor b, Tensor c) => AeLab.Models.Attention.ScaledDotProductAttention.Compute(a, b, c).Output;
        Right(Exercise.Check("t.13", Attend, Reference, new[] { (q, k, v) }, hint: H));
        Wrong(Exercise.Check("t.13", Unscaled, Reference, new[] { (q, k, v) }, hint: H));

        Right(Exercise.Check("t.14", () => ones(3, 3).tril().to(@bool), () => ones(3, 3).tril().to(@bool), hint: H));
        Wrong(Exercise.Check("t.14", () => ones(3, 3).triu().to(@bool), () => ones(3, 3).tril().to(@bool), hint: H));
        Unanswered(Exercise.Check("t.14", () => Exercise.Todo<Tensor>(), () => ones(3, 3), hint: H));

        double[] rs = [0, 0.25, 0.5, 1];
        Right(Exercise.Check("t.15", r => Math.Cos(Math.PI / 2 * r), AeLab.Models.VqGan.MaskGitPrior.MaskRatio, rs, hint: H));
        Wrong(Exercise.Check("t.15", r => 1 - r, AeLab.Models.VqGan.MaskGitPrior.MaskRatio, rs, hint: H), "for 0.25");
        Unanswered(Exercise.Check("t.15", r => Exercise.Todo<double>(), AeLab.Models.VqGan.MaskGitPrior.MaskRatio, rs, hint: H));
        Unanswered(Exercise.Check("t.15", r => Exercise.Todo<string>().Length, AeLab.Models.VqGan.MaskGitPrior.MaskRatio, rs, hint: H));
    }

    [Fact]
    public void A_check_leaves_the_callers_tensors_alone_and_works_inside_no_grad()
    {
        var x = tensor(new float[] { -1, 2 });
        using (no_grad())
            Right(Exercise.Check("t.16", t => t.mul_(2), t => t * 2, new[] { x }, hint: H, gradients: false));
        Assert.Equal(new float[] { -1, 2 }, x.data<float>().ToArray());
        using (no_grad())
            Right(Exercise.Check("t.16", t => t.clamp_min(0), t => nn.functional.relu(t), new[] { x }, hint: H, gradients: true));
    }

    [Fact]
    public void Strict_mode_throws_for_anything_but_a_right_answer()
    {
        try
        {
            Environment.SetEnvironmentVariable(Exercise.ModeVariable, "strict");
            Assert.True(Exercise.Strict);
            Right(Exercise.Check("07.2", 784L, 784L, hint: H));
            var wrong = Assert.Throws<ExerciseException>(() => Exercise.Check("07.2", 28L, 784L, hint: H));
            Assert.Equal("07.2", wrong.Id);
            Assert.Contains("exercise 07.2", wrong.Message);
            Assert.Contains("AELAB_EXERCISES=strict", wrong.Message);
            Assert.Equal(ExerciseOutcome.Wrong, wrong.Result.Outcome);
            var unanswered = Assert.Throws<ExerciseException>(() => Exercise.Check("07.3", Exercise.Todo<string>(), "kl", hint: H));
            Assert.Equal("07.3", unanswered.Id);
            Assert.Equal(ExerciseOutcome.Unanswered, unanswered.Result.Outcome);
            Assert.Throws<ExerciseException>(() => Exercise.Check("07.4", t => throw new InvalidOperationException("boom"), t => t, new[] { ones(1) }, hint: H));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Exercise.ModeVariable, null);
        }
        Assert.False(Exercise.Strict);
        Wrong(Exercise.Check("07.2", 28L, 784L, hint: H));   // and back to a normal run: no exception
    }

    [Fact]
    public void Results_format_as_one_coloured_line_in_html_and_plain_text()
    {
        var r = Exercise.Check("01.1", 1.0, 2.0, hint: "a <b> hint");
        var attr = r.GetType().GetCustomAttributes().Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        var sourceType = (Type)attr.GetType().GetProperty("FormatterSourceType")!.GetValue(attr)!;
        var formatters = (IEnumerable<object>)sourceType.GetMethod("CreateTypeFormatters")!.Invoke(Activator.CreateInstance(sourceType), null)!;
        string Format(string mime)
        {
            var f = formatters.Single(f => (string)f.GetType().GetProperty("MimeType")!.GetValue(f)! == mime);
            var w = new StringWriter();
            Assert.True((bool)f.GetType().GetMethod("Format")!.Invoke(f, [r, w])!);
            return w.ToString();
        }
        Assert.Equal("✗ 01.1 not yet: 1 is not right. Hint: a <b> hint", Format("text/plain"));
        var html = Format("text/html");
        Assert.Contains("aelab-exercise-wrong", html);
        Assert.Contains("a &lt;b&gt; hint", html);
    }
}
