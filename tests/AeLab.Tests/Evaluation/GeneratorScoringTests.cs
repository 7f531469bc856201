using AeLab.Evaluation;
using static TorchSharp.torch;

namespace AeLab.Tests.Evaluation;

/// <summary>Lesson 12's scoring pieces: the scorer, drawing samples, reconstruction error, the budget, the table and its
/// one-line readings, and latent paths.</summary>
public class GeneratorScoringTests
{
    static FashionClassifier Classifier()
    {
        Lab.Init(seed: 51);
        var classifier = new FashionClassifier(featureSize: 16);
        classifier.eval();
        return classifier;
    }

    [Fact]
    public void The_scorer_gives_the_distance_between_the_features_of_both_sets()
    {
        var classifier = Classifier();
        using var reference = rand(300, 1, 28, 28);
        using var other = rand(200, 1, 28, 28).pow(2);
        using var scorer = new FrechetScorer(classifier, reference);
        var expected = FrechetDistance.Compute(classifier.FeaturesOf(reference), classifier.FeaturesOf(other));
        var found = scorer.Score(other);
        Assert.Equal(expected.Squared, found.Squared, 9);
        Assert.Equal(expected.MeanTerm, found.MeanTerm, 9);
        Assert.Equal(300, scorer.Count);
        using var fromFeatures = FrechetScorer.FromFeatures(classifier, classifier.FeaturesOf(reference));
        Assert.Equal(expected.Squared, fromFeatures.Score(other).Squared, 9);
        // Noise of σ = 0 is the images themselves; more noise moves them further from the reference.
        var noisy = scorer.ScoreWithNoise(reference, new[] { 0.0, 0.5 }, seed: 3);
        Assert.True(noisy[0].Squared < 1e-9, $"σ = 0 scored {noisy[0].Squared}");
        Assert.True(noisy[1].Squared > noisy[0].Squared);
        var wrong = Assert.Throws<ArgumentException>(() => FrechetScorer.FromFeatures(classifier, randn(10, 7)));
        Assert.Equal("referenceFeatures", wrong.ParamName);
    }

    [Fact]
    public void The_spread_is_how_far_the_score_moves_between_draws_of_as_many_samples()
    {
        var classifier = Classifier();
        using var reference = rand(400, 1, 28, 28);
        using var scorer = new FrechetScorer(classifier, reference);
        Tensor Draw(int n) => (rand(n, 1, 28, 28) * 0.8).pow(1.5);
        using var images = Draw(400);
        var (score, spread) = scorer.ScoreWithSpread(images, resamples: 30, seed: 5);
        Assert.Equal(scorer.Score(images).Squared, score.Squared, 9);   // the score itself is of the images as drawn
        // Fresh draws of as many samples scatter by about the bootstrap's estimate.
        var fresh = Enumerable.Range(0, 12).Select(_ => scorer.Score(Draw(400)).Squared).ToArray();
        double mean = fresh.Average(), sd = Math.Sqrt(fresh.Sum(v => (v - mean) * (v - mean)) / (fresh.Length - 1));
        Assert.InRange(spread / sd, 0.4, 2.5);
        Assert.Equal("resamples", Assert.Throws<ArgumentOutOfRangeException>(() => scorer.ScoreWithSpread(reference, 1)).ParamName);
    }

    [Fact]
    public void Draw_collects_n_clamped_images_in_batches_and_times_them()
    {
        var sizes = new List<int>();
        var (images, secondsPer1000) = FrechetScorer.Draw(n => { sizes.Add(n); return randn(n, 1, 4, 4) * 3; }, 25, batch: 10);
        Assert.Equal(new[] { 10, 10, 5 }, sizes);
        Assert.Equal(new long[] { 25, 1, 4, 4 }, images.shape);
        Assert.True(images.min().item<float>() >= 0 && images.max().item<float>() <= 1);
        Assert.True(secondsPer1000 >= 0);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => FrechetScorer.Draw(n => zeros(n), 0)).ParamName);
    }

    [Fact]
    public void Reconstruction_error_is_the_mean_square_per_pixel_over_all_batches()
    {
        Lab.Init(seed: 52);
        using var images = rand(23, 1, 5, 5);
        Assert.Equal(0, FrechetScorer.ReconstructionMse(x => x, images, CPU, batch: 7), 9);
        double expected = images.square().mean().item<float>();
        Assert.Equal(expected, FrechetScorer.ReconstructionMse(x => zeros_like(x), images, CPU, batch: 7), 6);
    }

    [Fact]
    public void A_budget_prints_its_stages_as_epochs_times_images()
    {
        Assert.Equal("50×60k", TrainingBudget.Of(50, 60_000).ToString());
        Assert.Equal("4×20k + 12×20k", TrainingBudget.Of(4, 20_000).Then(12, 20_000).ToString());
        Assert.Equal("3×6k + 6×20k", TrainingBudget.Of(3, 6_000).Then(6, 20_000).ToString());
        Assert.Equal("2×256", TrainingBudget.Of(2, 256).ToString());
        Assert.Equal("1×1.5k", TrainingBudget.Of(1, 1_500).ToString());
        Assert.Equal(4 * 20_000 + 12 * 20_000, TrainingBudget.Of(4, 20_000).Then(12, 20_000).Passes);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => TrainingBudget.Of(1, 0)).ParamName);
    }

    static List<GeneratorScore> Rows() =>
    [
        new("noise", new FrechetScore(600, 200, 400)),
        new("floor", new FrechetScore(1.5, 0.5, 1.0)),
        new("A", new FrechetScore(150, 30, 120), 0.011, 1000, 0.01, TrainingBudget.Of(50, 60_000)),
        new("B", new FrechetScore(120, 25, 95), 0.009, 2000, 10, TrainingBudget.Of(4, 20_000).Then(12, 20_000)),
        new("C", new FrechetScore(170, 35, 135), 0.015, 500, 0.02, TrainingBudget.Of(30, 60_000)),
    ];

    [Fact]
    public void The_table_lists_every_row_by_score_with_its_budget()
    {
        var rows = Rows();
        var text = GeneratorTable.Of(rows, rows[1].Score).ToString().Split('\n');
        Assert.Contains("epochs × images", text[0]);
        Assert.StartsWith("floor", text[1]);
        Assert.StartsWith("B", text[2]);
        Assert.Contains("4×20k + 12×20k", text[2]);
        Assert.Contains("80", text[2]);          // × floor: 120 / 1.5
        Assert.StartsWith("noise", text[^1]);
        Assert.Equal(6, text.Length);
    }

    [Fact]
    public void The_reading_names_the_best_the_pair_and_the_best_reconstructor()
    {
        var rows = Rows();
        var line = GeneratorTable.Reading(rows, rows[1].Score, ("A", "C"));
        Assert.DoesNotContain('\n', line);
        Assert.Contains("best B at 80 × the floor", line);
        Assert.Contains("A below C", line);
        Assert.Contains("lowest reconstruction error B, 1st of 3", line);
        Assert.Contains("C above A", GeneratorTable.Reading(rows, rows[1].Score, ("C", "A")));
        var missing = Assert.Throws<ArgumentException>(() => GeneratorTable.Reading(rows, rows[1].Score, ("A", "D")));
        Assert.Contains("\"D\"", missing.Message);
        Assert.DoesNotContain("spread", line);   // no spreads measured: nothing said about them
    }

    [Fact]
    public void Neighbours_closer_than_their_spread_are_named_too_close_to_order()
    {
        var rows = Rows().Select(r => r with { Spread = r.Name == "A" ? 1 : 2 }).ToList();
        rows.Add(new("D", new FrechetScore(124, 25, 99), 0.02, 100, 1, TrainingBudget.Of(1, 100), Spread: 2));
        Assert.True(GeneratorTable.TooClose(rows.Single(r => r.Name == "B"), rows.Single(r => r.Name == "D")));   // 4 < 2·√8
        Assert.False(GeneratorTable.TooClose(rows.Single(r => r.Name == "A"), rows.Single(r => r.Name == "C")));  // 20 > 2·√5
        var line = GeneratorTable.Reading(rows, rows[1].Score, ("A", "C"));
        Assert.EndsWith("; too close to order: B and D.", line);
        var apart = GeneratorTable.Reading(rows.Where(r => r.Name != "D").ToList(), rows[1].Score, ("A", "C"));
        Assert.EndsWith("; every neighbouring pair further apart than its spread.", apart);
        Assert.Contains("±", GeneratorTable.Of(rows, rows[1].Score).ToString());
    }

    [Fact]
    public void The_noise_reading_says_whether_the_score_rose_at_every_step()
    {
        FrechetScore S(double d) => new(d, d / 3, 2 * d / 3);
        var sigmas = new[] { 0.1, 0.2 };
        Assert.StartsWith("The score rose at every step",
            GeneratorTable.NoiseReading(S(1), sigmas, new[] { S(10), S(20) }, S(100)));
        Assert.Contains("σ = 0.2 scored no higher than σ = 0.1",
            GeneratorTable.NoiseReading(S(1), sigmas, new[] { S(10), S(9) }, S(100)));
        Assert.Contains("σ = 0.2 scored above uniform noise",
            GeneratorTable.NoiseReading(S(1), sigmas, new[] { S(10), S(200) }, S(100)));
    }

    [Fact]
    public void A_latent_path_runs_from_the_first_code_to_the_second()
    {
        Lab.Init(seed: 53);
        using var ends = rand(2, 1, 3, 3);
        // Identity encoder and decoder: the path is the straight line between the two images.
        var path = LatentPath.Decode(x => x, x => x, ends, steps: 5);
        Assert.Equal(new long[] { 5, 1, 3, 3 }, path.shape);
        Assert.True(path[0].allclose(ends[0]) && path[4].allclose(ends[1]));
        Assert.True(path[2].allclose((ends[0] + ends[1]) / 2, atol: 1e-6));
        Assert.Equal("ends", Assert.Throws<ArgumentException>(() => LatentPath.Decode(x => x, x => x, rand(3, 1, 3, 3))).ParamName);
    }

    [Fact]
    public void A_path_reading_merges_repeated_classes_and_finds_the_least_confident_point()
    {
        var classifier = Classifier();
        Lab.Seed(54);
        using var images = rand(6, 1, 28, 28);
        var reading = LatentPath.Read(classifier, images, Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray());
        Assert.True(reading.Classes.Count is >= 1 and <= 6);
        Assert.True(reading.Classes.Zip(reading.Classes.Skip(1)).All(p => p.First != p.Second), reading.Route);
        Assert.InRange(reading.LowestConfidence, 0.1, 1.0);
        Assert.Contains(reading.LowestAt, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1.0 }.Select(t => Math.Round(t, 10)));
        Assert.False(classifier.training);
    }
}
