using System.Text.RegularExpressions;
using AeLab.Exercises;
using static TorchSharp.torch;

namespace AeLab.Tests.Exercises;

// The hints live in the library, keyed by exercise id: none before an attempt, the first after a wrong answer, the
// fuller one after every later wrong answer to the same exercise, none with a right answer; strict mode still throws.
public class HintTests
{
    public HintTests()
    {
        NativeLoader.EnsureLoaded();
        Environment.SetEnvironmentVariable(Exercise.ModeVariable, null);
    }

    static string Line(ExerciseResult r)
    {
        Console.WriteLine(r);
        return r.ToString();
    }

    [Fact]
    public void No_hint_before_an_attempt_the_first_after_a_wrong_answer_the_fuller_one_after_the_second()
    {
        var hint = new Hint("think of the variance.", "the variance of a sum of 256 independent products is 256.");
        Assert.Equal(0, Exercise.WrongAnswersTo("h.1"));
        var unanswered = Line(Exercise.Check("h.1", Exercise.Todo<double>(), 16.0, hint: hint));
        Assert.Equal("○ h.1 not answered yet: replace the Exercise.Todo placeholder with your answer.", unanswered);
        Assert.Equal(0, Exercise.WrongAnswersTo("h.1"));   // a placeholder is no attempt

        Assert.Equal("✗ h.1 not yet: 256 is not right. Hint: think of the variance.", Line(Exercise.Check("h.1", 256.0, 16.0, hint: hint)));
        Assert.Equal("✗ h.1 not yet: 15 is not right. Hint: the variance of a sum of 256 independent products is 256.",
            Line(Exercise.Check("h.1", 15.0, 16.0, hint: hint)));
        Assert.Contains("Hint: the variance of a sum", Line(Exercise.Check("h.1", 17.0, 16.0, hint: hint)));   // and after every later one
        Assert.Equal(3, Exercise.WrongAnswersTo("h.1"));
        Assert.DoesNotContain("Hint", Line(Exercise.Check("h.1", Exercise.Todo<double>(), 16.0, hint: hint)));   // a placeholder again: still none

        var right = Line(Exercise.Check("h.1", 16.0, 16.0, hint: hint, right: "√256."));
        Assert.Equal("✓ h.1 right: 16 — √256.", right);
        Assert.Equal(3, Exercise.WrongAnswersTo("h.1"));
    }

    [Fact]
    public void Wrong_answers_are_counted_per_exercise_and_a_hint_without_more_repeats()
    {
        Hint first = "only a first hint.";
        Assert.Contains("Hint: only a first hint.", Line(Exercise.Check("h.2", 1L, 2L, hint: first)));
        Assert.Contains("Hint: only a first hint.", Line(Exercise.Check("h.2", 3L, 2L, hint: first)));
        var other = new Hint("other first.", "other more.");
        Assert.Contains("Hint: other first.", Line(Exercise.Check("h.3", "b", "a", hint: other)));   // h.2's two do not count for h.3
        Assert.Contains("Hint: other more.", Line(Exercise.Check("h.3", " B ", "a", hint: other)));
        Assert.Equal(2, Exercise.WrongAnswersTo(" h.2 "));
    }

    [Fact]
    public void A_course_exercise_takes_its_hints_from_the_library()
    {
        // 06.2 is used by no other test of this process.
        var hint = Hints.For("06.2")!;
        Assert.NotNull(hint.More);
        var expected = Gaussian_kl_of_ones();
        var unanswered = Line(Exercise.Check("06.2", Exercise.Todo<double>(), expected, tolerance: 1e-4));
        Assert.DoesNotContain(hint.First, unanswered);
        Assert.DoesNotContain(hint.More!, unanswered);
        Assert.DoesNotContain("Hint", unanswered);
        Assert.EndsWith($"Hint: {hint.First}", Line(Exercise.Check("06.2", 10.0, expected, tolerance: 1e-4)));
        Assert.EndsWith($"Hint: {hint.More}", Line(Exercise.Check("06.2", 0.5, expected, tolerance: 1e-4)));
        Assert.DoesNotContain("Hint", Line(Exercise.Check("06.2", 5.0, expected, tolerance: 1e-4)));
        // A function check looks its hint up the same way.
        var fn = Hints.For("09.3")!;
        var inputs = new[] { (randn(2, 3), randn(2, 3)) };
        Assert.DoesNotContain("Hint", Line(Exercise.Check("09.3", (z, zq) => Exercise.Todo<Tensor>(), Reference.StraightThrough, inputs, gradients: true)));
        Assert.EndsWith($"Hint: {fn.First}", Line(Exercise.Check("09.3", (z, zq) => zq, Reference.StraightThrough, inputs, gradients: true)));
        Assert.EndsWith($"Hint: {fn.More}", Line(Exercise.Check("09.3", (z, zq) => zq.detach(), Reference.StraightThrough, inputs, gradients: true)));
        Assert.DoesNotContain("Hint", Line(Exercise.Check("09.3", (z, zq) => z + (zq - z).detach(), Reference.StraightThrough, inputs, gradients: true)));
    }

    static double Gaussian_kl_of_ones() => AeLab.Models.Gaussian.KlToStandardNormal(ones(1, 10), zeros(1, 10)).item<float>();

    [Fact]
    public void An_exercise_without_a_hint_says_what_is_wrong_and_nothing_more()
    {
        Assert.Null(Hints.For("h.none"));
        Assert.Equal("✗ h.none not yet: 1 is not right.", Line(Exercise.Check("h.none", 1L, 2L)));
    }

    [Fact]
    public void Strict_mode_still_throws_and_the_exception_carries_the_hint_of_that_attempt()
    {
        var hint = new Hint("first.", "more.");
        try
        {
            Environment.SetEnvironmentVariable(Exercise.ModeVariable, "strict");
            var unanswered = Assert.Throws<ExerciseException>(() => Exercise.Check("h.4", Exercise.Todo<long>(), 2L, hint: hint));
            Assert.Equal(ExerciseOutcome.Unanswered, unanswered.Result.Outcome);
            Assert.DoesNotContain("Hint", unanswered.Message);
            var first = Assert.Throws<ExerciseException>(() => Exercise.Check("h.4", 1L, 2L, hint: hint));
            Assert.EndsWith("Hint: first.", first.Message);
            var second = Assert.Throws<ExerciseException>(() => Exercise.Check("h.4", 3L, 2L, hint: hint));
            Assert.EndsWith("Hint: more.", second.Message);
            Assert.True(Exercise.Check("h.4", 2L, 2L, hint: hint).IsRight);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Exercise.ModeVariable, null);
        }
    }

    // The lessons' exercise ids: the first line "// exercise NN.N" of a C# cell.
    static readonly Regex Marker = new(@"^#!csharp\s*\n\s*// exercise (?<id>\S+)\s*$", RegexOptions.Multiline);

    static Dictionary<string, string> LessonExercises()
    {
        var notebooks = Path.Combine(Course.Root ?? throw new InvalidOperationException("run the tests inside the course folder"), "notebooks");
        var found = new Dictionary<string, string>();
        foreach (var path in Directory.GetFiles(notebooks, "*.dib").Order(StringComparer.Ordinal))
            foreach (Match m in Marker.Matches(File.ReadAllText(path).Replace("\r\n", "\n")))
                found.Add(m.Groups["id"].Value, Path.GetFileName(path));   // an id used twice throws here
        return found;
    }

    [Fact]
    public void Every_exercise_of_the_lessons_has_a_hint_and_every_hint_an_exercise()
    {
        var exercises = LessonExercises();
        Assert.True(exercises.Count >= 24, $"found only {exercises.Count} exercises in notebooks/*.dib");
        foreach (var (id, lesson) in exercises)
            Assert.True(Hints.For(id) is not null, $"{lesson}: exercise {id} has no hint in lib/AeLab/Exercises/Hints.cs");
        foreach (var id in Hints.All.Keys)
            Assert.True(exercises.ContainsKey(id), $"Hints.cs has a hint for {id}, which no lesson asks");
        foreach (var (id, hint) in Hints.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(hint.First), $"{id}: an empty first hint");
            Assert.True(hint.More is null || (hint.More.Trim().Length > 0 && hint.More != hint.First), $"{id}: the fuller hint repeats the first or is empty");
        }
    }
}
