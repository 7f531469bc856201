using System.Globalization;
using AeLab.Display;
using AeLab.Runtime;

namespace AeLab.Evaluation;

/// <summary>
/// How much a generator was trained: one or more stages of epochs over a number of images (for a prior: code maps),
/// e.g. a VQ-VAE 4 epochs on 20 000 images and then its PixelCNN 12 epochs on their 20 000 code maps. Printed as
/// "4×20k + 12×20k".
/// </summary>
public sealed class TrainingBudget
{
    readonly List<(int Epochs, int Count)> _stages = [];

    TrainingBudget() { }

    /// <summary>A first stage: <paramref name="epochs"/> epochs over <paramref name="count"/> images.</summary>
    public static TrainingBudget Of(int epochs, int count) => new TrainingBudget().Then(epochs, count);

    /// <summary>Adds a stage (a prior trained on code maps after its autoencoder).</summary>
    public TrainingBudget Then(int epochs, int count)
    {
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be 0 or more.");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        _stages.Add((epochs, count));
        return this;
    }

    /// <summary>The stages in order.</summary>
    public IReadOnlyList<(int Epochs, int Count)> Stages => _stages;

    /// <summary>Images (and code maps) passed through training, all stages together.</summary>
    public long Passes => _stages.Sum(s => (long)s.Epochs * s.Count);

    public override string ToString() => string.Join(" + ", _stages.Select(s => $"{s.Epochs}×{Count(s.Count)}"));

    static string Count(int n) => n >= 1000 && n % 100 == 0
        ? (n / 1000.0).ToString("0.#", CultureInfo.InvariantCulture) + "k"
        : n.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One row of lesson 12's comparison: a generator's score against the test images and what it costs.</summary>
/// <param name="Name">The row's label, e.g. "VAE (07)".</param>
/// <param name="Score">d² of its samples to the test images.</param>
/// <param name="ReconstructionMse">Per-pixel MSE of the test images through its encoder and decoder (NaN for a reference row).</param>
/// <param name="Parameters">Parameters needed to sample and reconstruct (0 for a reference row).</param>
/// <param name="SecondsPer1000">Time to draw 1 000 samples (NaN for a reference row).</param>
/// <param name="Budget">How long it trained (null for a reference row).</param>
/// <param name="Short">A short label for a bar chart (the name when not given).</param>
/// <param name="Spread">How far d² moves with another draw of as many samples: a standard deviation, e.g. from
/// <see cref="FrechetScorer.ScoreWithSpread"/> (NaN when not measured).</param>
public sealed record GeneratorScore(string Name, FrechetScore Score, double ReconstructionMse = double.NaN, long Parameters = 0,
    double SecondsPer1000 = double.NaN, TrainingBudget? Budget = null, string? Short = null, double Spread = double.NaN)
{
    /// <summary>A row that is no generator: real images (the floor) or noise (the ceiling).</summary>
    public bool IsReference => Budget is null;

    /// <summary>The bar chart's label.</summary>
    public string Label => Short ?? Name;
}

/// <summary>Lesson 12's table of generators between the floor of real images and the ceiling of noise, and its one-line reading.</summary>
public static class GeneratorTable
{
    /// <summary>Every row sorted by d², with its mean and covariance terms, d² as a multiple of the floor's, the
    /// reconstruction error, parameters, seconds per 1 000 samples and training budget (epochs × images).</summary>
    public static Table Of(IEnumerable<GeneratorScore> rows, FrechetScore floor)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(floor);
        return new Table("", "d²_FC", "±", "× floor", "means", "covar.", "recon MSE", "parameters", "s / 1000", "epochs × images")
            .Format("d²_FC", "F2").Format("±", "F1").Format("× floor", "F0").Format("means", "F2").Format("covar.", "F2")
            .Format("recon MSE", "F4").Format("parameters", "N0").Format("s / 1000", "F2")
            .Rows(rows.OrderBy(r => r.Score.Squared), r => new object?[]
            {
                r.Name, r.Score.Squared, r.Spread, r.Score.Squared / floor.Squared, r.Score.MeanTerm, r.Score.CovarianceTerm,
                r.ReconstructionMse, r.IsReference ? double.NaN : r.Parameters, r.SecondsPer1000, r.Budget?.ToString() ?? "–",
            });
    }

    /// <summary>
    /// The table's reading in one line: the best generator and how many times the floor it scores, how the first of
    /// <paramref name="pair"/> compares with the second, where the lowest reconstruction error ranks by the score, and
    /// which neighbouring generators are too close to order (<see cref="TooClose"/>).
    /// </summary>
    public static string Reading(IReadOnlyCollection<GeneratorScore> rows, FrechetScore floor, (string First, string Second) pair)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(floor);
        var generators = rows.Where(r => !r.IsReference).OrderBy(r => r.Score.Squared).ToList();
        if (generators.Count == 0) throw new ArgumentException("The rows hold no generator (every row is a reference).", nameof(rows));
        GeneratorScore Named(string name) => generators.FirstOrDefault(g => g.Name == name)
            ?? throw new ArgumentException($"No generator is named \"{name}\"; the rows are {string.Join(", ", generators.Select(g => $"\"{g.Name}\""))}.", nameof(pair));
        var (first, second) = (Named(pair.First), Named(pair.Second));
        var best = generators[0];
        var bestRecon = generators.OrderBy(g => g.ReconstructionMse).First();
        string F(double v) => v.ToString("F0", CultureInfo.InvariantCulture);
        return (Lab.Smoke ? "Smoke mode, a few batches of training (the order means nothing): " : "") +
               $"best {best.Name} at {F(best.Score.Squared / floor.Squared)} × the floor; " +
               $"{first.Name} {(first.Score.Squared < second.Score.Squared ? "below" : "above")} {second.Name}; " +
               $"lowest reconstruction error {bestRecon.Name}, {Ordinal(generators.IndexOf(bestRecon) + 1)} of {generators.Count} by the score" +
               Unresolved(generators) + ".";
    }

    /// <summary>
    /// Whether two scores are too close to order: their gap is less than twice the spread of their difference,
    /// 2·√(s₁² + s₂²), so another draw of samples could swap them. False when a spread is not known.
    /// </summary>
    public static bool TooClose(GeneratorScore a, GeneratorScore b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (double.IsNaN(a.Spread) || double.IsNaN(b.Spread)) return false;
        return Math.Abs(a.Score.Squared - b.Score.Squared) < 2 * Math.Sqrt(a.Spread * a.Spread + b.Spread * b.Spread);
    }

    static string Unresolved(List<GeneratorScore> sorted)
    {
        if (sorted.Any(g => double.IsNaN(g.Spread))) return "";
        var pairs = sorted.Zip(sorted.Skip(1)).Where(p => TooClose(p.First, p.Second))
            .Select(p => $"{p.First.Name} and {p.Second.Name}").ToList();
        return pairs.Count == 0 ? "; every neighbouring pair further apart than its spread"
                                : $"; too close to order: {string.Join(", ", pairs)}";
    }

    /// <summary>
    /// Whether d² rose at every step from the floor through images with more and more noise to the ceiling, in one line.
    /// </summary>
    public static string NoiseReading(FrechetScore floor, IReadOnlyList<double> sigmas, IReadOnlyList<FrechetScore> noisy, FrechetScore ceiling)
    {
        ArgumentNullException.ThrowIfNull(sigmas);
        ArgumentNullException.ThrowIfNull(noisy);
        if (sigmas.Count != noisy.Count) throw new ArgumentException($"{sigmas.Count} σ values but {noisy.Count} scores.", nameof(noisy));
        var ladder = new[] { floor.Squared }.Concat(noisy.Select(s => s.Squared)).ToList();
        var labels = new[] { "the floor" }.Concat(sigmas.Select(s => $"σ = {s.ToString(CultureInfo.InvariantCulture)}")).ToList();
        int dip = Enumerable.Range(1, ladder.Count - 1).FirstOrDefault(i => ladder[i] <= ladder[i - 1]);
        if (dip > 0)
            return $"The score did not rise at every step: {labels[dip]} scored no higher than {labels[dip - 1]}.";
        return ceiling.Squared > ladder[^1]
            ? "The score rose at every step, from the floor through more and more noise to the ceiling."
            : $"The score rose with σ, but {labels[^1]} scored above uniform noise.";
    }

    static string Ordinal(int n) => n switch { 1 => "1st", 2 => "2nd", 3 => "3rd", _ => $"{n}th" };
}
