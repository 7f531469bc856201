using AeLab.Data;
using AeLab.Evaluation;
using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Evaluation;

/// <summary>The library's readings for lessons 01, 03, 04 and 05: each measures what its lesson says, and its verdict
/// follows the numbers.</summary>
public class ReadingTablesTests
{
    public ReadingTablesTests() => Lab.Init(seed: 0);

    // x ↦ a·x, elementwise: an "autoencoder" whose error is known in closed form.
    sealed class Scale(double a) : nn.Module<Tensor, Tensor>("scale")
    {
        public override Tensor forward(Tensor x) => x * a;
    }

    static List<Batch> Batches(params Tensor[] xs) => xs.Select(x => new Batch(x)).ToList();

    [Fact]
    public void Reconstruction_mse_is_per_pixel_over_all_batches_and_feeds_the_corrupted_input()
    {
        var batches = Batches(full(2, 1, 2, 2, 1f), full(3, 1, 2, 2, 2f));
        // 0.5·x against x: errors 0.25 on 8 pixels and 1 on 12 → (2 + 12) / 20.
        Assert.Equal(0.7, ReconstructionError.Mse(new Scale(0.5), batches), 6);
        Assert.Equal(0, ReconstructionError.Mse(new Scale(1), batches), 9);
        // Fed x + 1 and scored against x: every error is 1.
        Assert.Equal(1, ReconstructionError.Mse(new Scale(1), batches, x => x + 1), 6);
        Assert.Throws<ArgumentException>(() => ReconstructionError.Mse(new Scale(1), new List<Batch>()));
    }

    [Fact]
    public void The_gap_table_says_whether_the_second_model_narrows_the_gap_and_what_it_costs()
    {
        var same = ReconstructionError.GapTable(("plain", 0.0109, 0.0112), ("dropout", 0.01515, 0.0154)).ToString();
        Assert.EndsWith("the same gap at this precision; dropout costs test MSE, 0.0042 more", same);
        Assert.Contains("+0.0003", same);
        var narrower = ReconstructionError.GapTable(("plain", 0.010, 0.014), ("dropout", 0.011, 0.012)).ToString();
        Assert.EndsWith("dropout narrows the gap; dropout helps the test MSE, by 0.0020", narrower);
    }

    [Fact]
    public void The_denoising_study_feeds_every_model_the_same_noise_and_names_the_best_at_each_sigma()
    {
        var batches = Batches(rand(4, 1, 4, 4));
        var models = new (string, double?, nn.Module<Tensor, Tensor>)[] { ("identity", null, new Scale(1)), ("halving", 0.5, new Scale(0.5)) };
        var results = DenoisingStudy.Measure(models, new[] { 0.5, 1.0 }, batches, seed: 3);
        // The identity passes the noise through: its MSE is the noise's own, about σ², and the same draw for every model.
        var identity = results.Where(r => r.Model == "identity").ToList();
        Assert.InRange(identity[0].Mse, 0.1, 0.5);
        Lab.Seed(3);
        var x = batches[0].X;
        var expected = (DenoisingAutoencoder.AddNoise(x, 0.5) - x).square().mean().item<float>();
        Assert.Equal(expected, identity[0].Mse, 5);
        Assert.Equal(0.25 / identity[0].Mse, identity[0].Factor, 9);

        var table = DenoisingStudy.Table(results, headlineSigma: 0.5).ToString().Split('\n');
        Assert.Equal("test σ  noisy input  identity  halving", table[0]);
        Assert.StartsWith("   0.5       0.2500", table[1]);
        Assert.StartsWith("at test σ = 0.5 the MSE falls ", table[^1]);
        Assert.Contains("through the halving, ", table[^1]);
        Assert.Contains("through the identity", table[^1]);
        Assert.Throws<ArgumentException>(() => DenoisingStudy.Reading(results, 0.3));
        Assert.Throws<ArgumentException>(() => DenoisingStudy.Measure(models, new[] { 0.0 }, batches));
    }

    [Fact]
    public void Prior_match_reads_moments_variety_and_the_discriminator_against_chance()
    {
        Lab.Seed(1);
        var prior = randn(4000, 2);
        var wide = randn(4000, 2) * 5 + 2;
        var (off, spread) = PriorMatch.Departure(prior);
        Assert.InRange(off, 0, 0.1);
        Assert.InRange(spread, 0, 0.1);
        var moments = PriorMatch.MomentsTable(new[] { ("wide", wide), ("standard", prior) }).ToString();
        Assert.EndsWith("the standard codes are closer to the prior's moments than the wide codes: centred like it, spread like it (within 0.15 of 0 and 1)", moments);
        Assert.Contains("prior N(0, I)", moments);

        Assert.Equal(0, PriorMatch.Variety(ones(5, 1, 2, 2)), 6);
        // Two images that differ by 1 in every pixel: half the ordered pairs (with themselves) are 1 apart per pixel.
        Assert.Equal(0.5, PriorMatch.Variety(stack(new[] { zeros(1, 2, 2), ones(1, 2, 2) })), 5);

        Assert.EndsWith("D ends near chance: it tells codes from prior draws apart only weakly", PriorMatch.Discriminator(new[] { 1.2, 1.3 }).ToString());
        Assert.EndsWith("(D is winning)", PriorMatch.Discriminator(new[] { 1.2, 0.5 }).ToString());
        Assert.EndsWith("the encoder fools it", PriorMatch.Discriminator(new[] { 1.2, 1.9 }).ToString());

        Assert.EndsWith("far from N(0, I)", PriorMatch.SpreadTable(wide, "wide").ToString());
        Assert.EndsWith("close to N(0, I)", PriorMatch.SpreadTable(prior, "standard").ToString());
        Assert.Throws<ArgumentException>(() => PriorMatch.Moments(zeros(1, 2)));
    }

    [Fact]
    public void The_samples_table_compares_variety_and_reconstruction()
    {
        var flat = zeros(4, 1, 2, 2);
        var varied = stack(new[] { zeros(1, 2, 2), ones(1, 2, 2), zeros(1, 2, 2), ones(1, 2, 2) });
        var text = PriorMatch.SamplesTable(("plain", 0.02, flat), ("adversarial", 0.03, varied)).ToString();
        Assert.EndsWith("the adversarial decoder's samples are more varied; it reconstructs worse, test MSE +50% against the plain", text);
    }

    [Fact]
    public void Parameter_drift_finds_the_largest_change_and_equality_at_half_precision()
    {
        Lab.Seed(2);
        var a = nn.Linear(3, 2);
        Lab.Seed(2);
        var b = nn.Linear(3, 2);
        Assert.Equal(0, ParameterDrift.Largest(a.parameters(), b.parameters()));
        Assert.True(ParameterDrift.SameAtHalfPrecision(a.parameters(), b.parameters()));
        using (no_grad()) b.weight![0, 1].add_(0.25);
        Assert.Equal(0.25, ParameterDrift.Largest(a.parameters(), b.parameters()), 5);
        Assert.False(ParameterDrift.SameAtHalfPrecision(a.parameters(), b.parameters()));
        var e = Assert.Throws<ArgumentException>(() => ParameterDrift.Largest(a.parameters(), nn.Linear(4, 2).parameters()));
        Assert.Contains("[2, 3]", e.Message);
    }

    [Fact]
    public void The_held_out_gap_reads_which_model_memorised_more()
    {
        Assert.Equal(0.25, HeldOutGap.Mse(full(1, 3, 2, 2, 1.5f), full(1, 3, 2, 2, 0.5f)), 6);   // clamped to 1 first
        var memorised = HeldOutGap.Table(new[] { ("A", 0.01, 0.04), ("B", 0.02, 0.03) }).ToString();
        Assert.EndsWith("A's validation pictures are 2.7 × further behind its training pictures than B's: A has learnt its training images more than it has learnt to encode", memorised);
        var alike = HeldOutGap.Table(new[] { ("A", 0.04, 0.035), ("B", 0.02, 0.018) }).ToString();
        Assert.Contains("about as far behind", alike);
    }

    [Fact]
    public void Class_separation_counts_codes_nearest_their_own_class_mean()
    {
        // Class 0 around (0, 0), class 1 around (10, 0); one code of class 1 sits at the origin.
        var codes = tensor(new float[,] { { 0, 0 }, { 0.1f, 0 }, { 0, 0.1f }, { 10, 0 }, { 10.1f, 0 }, { 0, 0 } });
        var labels = tensor(new long[] { 0, 0, 0, 1, 1, 1 });
        var shares = ClassSeparation.NearestMeanShares(codes, labels, 2);
        Assert.Equal(1.0, shares[0], 6);
        Assert.Equal(2.0 / 3, shares[1], 5);
        var text = ClassSeparation.Table(codes, labels, new[] { "tops", "shoes" }).ToString();
        Assert.EndsWith("most separate: tops; most mixed: shoes", text);
        Assert.Throws<ArgumentException>(() => ClassSeparation.NearestMeanShares(codes, labels, 3));
    }

    [Fact]
    public void The_estimator_table_reads_the_variance_ratio_across_sigma()
    {
        var estimates = new List<GradientEstimate>();
        foreach (var (s, score) in new[] { (0.1, 100.0), (1.0, 30.0), (2.0, 75.0) })
        {
            estimates.Add(new GradientEstimate("reparameterised", s, 2, 2.0, 0.01, 4 * s * s));
            estimates.Add(new GradientEstimate("score function", s, 2, 2.01, 0.02, score));
        }
        var text = GradientEstimate.Table(estimates, "reparameterised", "score function", s => 4 * s * s).ToString().Split('\n');
        Assert.Equal("  σ  mean R  mean S  variance R  variance S  S ÷ R  R ÷ 4σ²", table0(text));
        Assert.Equal("R = reparameterised, S = score function: the score function is noisier at every σ; the ratio grows at every step as σ shrinks", text[^1]);
        Assert.True(estimates[1].Unbiased());
        Assert.False((estimates[1] with { Mean = 3 }).Unbiased());
        static string table0(string[] lines) => lines[0];
    }
}
