using AeLab.Models;
using AeLab.Models.Quantization;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Quantization;

/// <summary>FSQ against the paper's formulas computed element by element in double precision (Mentzer et al. 2023,
/// appendix A.1), its straight-through gradient, and its implicit codebook.</summary>
public class FiniteScalarQuantizerTests
{
    static readonly int[] Levels = [8, 5, 5, 5];

    // The paper's bound and rounding for one value, independently of the library's tensor code.
    static double Reference(double z, int level)
    {
        double half = (level - 1) * (1 + 1e-3) / 2, offset = level % 2 == 0 ? 0.5 : 0.0, shift = Math.Atanh(offset / half);
        return Math.Round(Math.Tanh(z + shift) * half - offset, MidpointRounding.ToEven) / (level / 2);
    }

    [Fact]
    public void Rounding_matches_the_papers_formula_and_each_channel_takes_exactly_its_levels()
    {
        Lab.Init();
        var fsq = new FiniteScalarQuantizer(Levels);
        var z = linspace(-6, 6, 2001, dtype: float64).unsqueeze(1).expand(2001, 4).contiguous();
        var q = fsq.Quantize(z);
        var zs = z.data<double>().ToArray(); var qs = q.data<double>().ToArray();
        for (int i = 0; i < zs.Length; i++)
            Assert.Equal(Reference(zs[i], Levels[i % 4]), qs[i], 12);
        for (int c = 0; c < 4; c++)
        {
            var distinct = q[.., c].unique().Item1.data<double>().ToArray();
            Assert.Equal(Levels[c], distinct.Length);
            Assert.InRange(distinct.Min(), -1.0, -0.5);
            Assert.InRange(distinct.Max(), 0.5, 1.0);
        }
    }

    [Fact]
    public void The_gradient_passes_straight_through_the_rounding()
    {
        Lab.Init();
        var fsq = new FiniteScalarQuantizer(Levels);
        var z = (randn(64, 4, dtype: float64) * 2).requires_grad_();
        var w = randn(64, 4, dtype: float64);
        (fsq.Quantize(z) * w).sum().backward();
        // d/dz of tanh(z + s)·h / ⌊L/2⌋, the rounding skipped.
        var zs = z.detach().data<double>().ToArray(); var ws = w.data<double>().ToArray(); var gs = z.grad!.data<double>().ToArray();
        for (int i = 0; i < zs.Length; i++)
        {
            int level = Levels[i % 4];
            double half = (level - 1) * (1 + 1e-3) / 2, shift = Math.Atanh((level % 2 == 0 ? 0.5 : 0.0) / half);
            double t = Math.Tanh(zs[i] + shift);
            Assert.Equal(ws[i] * (1 - t * t) * half / (level / 2), gs[i], 10);
        }
    }

    [Fact]
    public void Indices_number_the_whole_grid_once_and_lookup_gives_back_the_codes()
    {
        Lab.Init();
        var fsq = new FiniteScalarQuantizer(Levels);
        Assert.Equal(1000, fsq.CodebookSize);
        var all = arange(1000);
        var codes = fsq.IndicesToCodes(all);
        Assert.Equal(1000, codes.unique(dim: 0).Item1.shape[0]);             // every index a different grid point
        Assert.True(fsq.CodesToIndices(codes).equal(all).all().item<bool>());  // and back
        Assert.Equal(new long[] { 1000, 4 }, fsq.Codebook.shape);

        var z = randn(2, 4, 3, 5) * 3;
        var output = fsq.call(z);
        Assert.Equal(new long[] { 2, 3, 5 }, output.Indices.shape);
        Assert.True(fsq.Lookup(output.Indices).allclose(output.Quantized, atol: 1e-6));
        Assert.Equal(0f, output.CommitmentLoss.item<float>());
        Assert.Equal(0f, output.CodebookLoss.item<float>());
        Assert.InRange(output.Perplexity.item<float>(), 1f, 30f);
    }

    [Fact]
    public void Projections_map_a_wider_feature_map_in_and_out_and_a_vq_vae_trains_with_it()
    {
        Lab.Init();
        Lab.Seed(0);
        var fsq = new FiniteScalarQuantizer(Levels, dim: 16);
        var output = fsq.call(randn(2, 16, 4, 4));
        Assert.Equal(new long[] { 2, 16, 4, 4 }, output.Quantized.shape);
        Assert.True(fsq.Lookup(output.Indices).allclose(output.Quantized, atol: 1e-5));
        var model = new VqVae(1, 16, fsq, hidden: 16);
        var x = rand(4, 1, 16, 16);
        var loss = model.Loss(x);
        loss.Loss.backward();
        Assert.True(float.IsFinite(loss.Loss.item<float>()));
        Assert.Contains(model.parameters(), p => p.grad is not null && p.grad.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Bad_levels_and_shapes_are_named()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FiniteScalarQuantizer([8, 2]));
        Assert.Throws<ArgumentException>(() => new FiniteScalarQuantizer([]));
        var fsq = new FiniteScalarQuantizer(Levels);
        Assert.Contains("FiniteScalarQuantizer expects z a feature map [B, 4, H, W]", Assert.Throws<ArgumentException>(() => fsq.call(randn(2, 3, 4, 4))).Message);
    }
}
