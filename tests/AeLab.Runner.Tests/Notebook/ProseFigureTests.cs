using System.Text.RegularExpressions;
using AeLab.Runner.Notebook;

namespace AeLab.Runner.Tests.Notebook;

/// <summary>
/// The lessons' rule (README, "Writing lessons"): prose states no figure that a rerun can change. Measured
/// numbers, durations and rankings are printed by the cells; markdown keeps only constants of the recipe,
/// targets and exact facts. This scans every markdown cell for the shapes run figures take.
/// </summary>
public class ProseFigureTests
{
    /// <summary>
    /// Figures kept in prose on purpose: (lesson number, the figure as written, why it is not a run figure).
    /// Keep this short: a number that belongs here is a constant of the recipe or a target, never a result.
    /// </summary>
    static readonly (string Lesson, string Figure, string Why)[] Allowed =
    [
        ("00", "10.0", "the .NET SDK feature band global.json asks for"),
        ("00", "4.0", "the version of the Creative Commons Attribution licence the Twemoji graphics are under"),
        ("01", "0.012", "the course's test-MSE target for the MLP autoencoder"),
        ("04", "2.10", "the libtorch version whose few-channel convolutions the library works around"),
        ("06", "2.9", "KL(N(0, 3²) ‖ N(0, 1)) = ½(8 − ln 9), the closed form at the wide edge of the lesson's σ plot"),
        ("06", "2.5", "KL(N(0, 0.05²) ‖ N(0, 1)) = ½(ln 400 − 399/400), the closed form at the narrow edge of that plot"),
        ("09", "0.25", "the commitment weight of the VQ-VAE loss (γ here, β in the paper)"),
        ("09", "0.99", "the EMA codebook's decay λ"),
        ("11", "0.25", "β, the commitment weight of the VQ-GAN's quantiser"),
        ("11", "4.5", "the scale of MaskGIT's Gumbel noise on the sampler's confidences, a constant of the sampler"),
        ("12", "90 %", "the test accuracy the feature classifier must reach"),
    ];

    // Decimals with two or more significant digits (0.012, 0.096, 41.4, 1.07): one significant digit is how
    // recipe constants are usually written (0.2, 0.5, 0.1), two already is how results are quoted.
    // Not part of a version (10.0.100) or a longer token; a full stop after it ends the sentence.
    static readonly Regex Decimal = new(@"(?<![\w.])\d+\.\d+(?!\w)(?!\.\d)", RegexOptions.Compiled);
    // Percentages (44.5 %, 8%) and durations (203 s, 7.6 minutes, 1 min 23 s).
    static readonly Regex Percent = new(@"(?<![\w.])\d+(?:\.\d+)?\s?%", RegexOptions.Compiled);
    static readonly Regex Duration = new(@"(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds?|min|minutes?|hours?)\b", RegexOptions.Compiled);
    // Inline code spans hold code (literals of an API call), not prose.
    static readonly Regex InlineCode = new(@"`[^`\n]*`", RegexOptions.Compiled);

    static int SignificantDigits(string number)
    {
        var digits = number.Replace(".", "").TrimStart('0');
        return digits.Length;
    }

    /// <summary>Every figure in <paramref name="markdown"/> that has the shape of a run figure, in reading order.</summary>
    public static IEnumerable<(int Line, string Figure)> RunFigures(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            // Blank out inline code with spaces so positions stay the same.
            var text = InlineCode.Replace(lines[i], m => new string(' ', m.Length));
            var hits = Percent.Matches(text).Concat(Duration.Matches(text)).ToList();
            // A decimal already reported as a percentage or duration is not reported twice.
            hits.AddRange(Decimal.Matches(text).Where(d => SignificantDigits(d.Value) >= 2 && !hits.Any(h => h.Index == d.Index)));
            foreach (var m in hits.OrderBy(h => h.Index)) yield return (i, m.Value);
        }
    }

    static string Normalise(string figure) => Regex.Replace(figure, @"\s+", " ").Trim();

    [Fact]
    public void The_scanner_finds_the_shapes_of_run_figures()
    {
        var found = RunFigures("test MSE 0.0143 after 20 epochs, 203 s of training; β = 0 gives 0.096\n" +
                               "44.5 % of the codes, 7.6 minutes, 1 min 23 s, perplexity 41.4 and `lr: 0.0002`\n" +
                               "σ = 0.2, 0.5 and 0.8; 10 epochs; lessons 05–08; SDK 10.0.100; the MSE was 0.0264.")
            .Select(f => Normalise(f.Figure)).ToArray();
        Assert.Equal(["0.0143", "203 s", "0.096", "44.5 %", "7.6 minutes", "1 min", "23 s", "41.4", "0.0264"], found);
    }

    [Fact]
    public void Lesson_prose_states_no_figure_a_rerun_can_change()
    {
        var problems = new List<string>();
        var used = new HashSet<(string, string)>();
        foreach (var path in Directory.GetFiles(Path.Combine(Repo.Root, "notebooks"), "*.dib").Order())
        {
            var lesson = Lesson.Load(path);
            var number = lesson.Name[..2];
            foreach (var cell in lesson.Cells.Where(c => c.IsMarkdown))
                foreach (var (line, figure) in RunFigures(cell.Source))
                {
                    var f = Normalise(figure);
                    if (Allowed.Any(a => a.Lesson == number && a.Figure == f)) { used.Add((number, f)); continue; }
                    problems.Add($"{lesson.Name}.dib:{cell.FirstLine + line}: \"{f}\"");
                }
        }
        // An entry no lesson needs any more is removed, so the list stays a list of deliberate exceptions.
        problems.AddRange(Allowed.Where(a => !used.Contains((a.Lesson, a.Figure)))
            .Select(a => $"ProseFigureTests.Allowed: \"{a.Figure}\" is no longer in lesson {a.Lesson}; remove the entry"));
        Assert.True(problems.Count == 0,
            $"{problems.Count} figure(s) in lesson prose look measured (a rerun can change them). Print them from a cell, " +
            "with the interpretation computed from the values, or add a justified constant to ProseFigureTests.Allowed:\n" +
            string.Join("\n", problems));
    }
}
