using AeLab.Models.PixelCnn;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Quantization;

/// <summary>The PixelCNN's cheaper paths give what the plain computation gives: the masked convolution run with the
/// kernel's upper rows only, one output row from the input rows that reach it, and sampling row by row.</summary>
public class PixelCnnSamplingTests
{
    [Theory]
    [InlineData(3, false)]
    [InlineData(3, true)]
    [InlineData(7, true)]
    [InlineData(5, false)]
    public void The_masked_convolution_equals_a_full_kernel_times_its_mask(int k, bool typeA)
    {
        Lab.Init(seed: 41);
        var conv = new MaskedConv2d(4, 6, k, typeA);
        var x = randn(2, 4, 5, 8);
        var parameters = conv.parameters().ToArray();   // weight [6, 4, k, k], bias [6]
        var weight = parameters.Single(p => p.dim() == 4);
        var bias = parameters.Single(p => p.dim() == 1);
        using var expected = nn.functional.conv2d(x, weight * MaskedConv2d.Mask(k, typeA), bias, padding: new long[] { k / 2, k / 2 });
        using var found = conv.forward(x);
        Assert.Equal(expected.shape, found.shape);
        Assert.True(found.allclose(expected, rtol: 1e-5, atol: 1e-5), $"largest difference {(found - expected).abs().max().item<float>()}");
    }

    [Theory]
    [InlineData(7, true)]
    [InlineData(3, false)]
    public void One_output_row_from_the_rows_that_reach_it(int k, bool typeA)
    {
        Lab.Init(seed: 44);
        var conv = new MaskedConv2d(3, 5, k, typeA);
        var x = randn(2, 3, 6, 7);
        using var whole = conv.forward(x);
        int c = k / 2;
        for (int i = 0; i < 6; i++)
        {
            var rows = x.narrow(2, Math.Max(0, i - c), Math.Min(i, c) + 1);
            if (i < c) rows = nn.functional.pad(rows, new long[] { 0, 0, c - i, 0 });   // zeros above the map
            var row = conv.ForwardRow(rows);
            Assert.True(row.allclose(whole.narrow(2, i, 1), rtol: 1e-5, atol: 1e-5), $"row {i} differs");
        }
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => conv.ForwardRow(x)).ParamName);
    }

    [Fact]
    public void Row_i_of_the_logits_needs_only_rows_up_to_i()
    {
        Lab.Init(seed: 42);
        var prior = new PixelCnnPrior(12, 5, 6, channels: 16, blocks: 3, embedDim: 8);
        prior.eval();
        var codes = randint(0, 12, new long[] { 3, 5, 6 }, dtype: int64);
        using var _ = no_grad();
        var whole = prior.forward(codes);
        for (int i = 0; i < 5; i++)
        {
            var top = prior.forward(codes.narrow(1, 0, i + 1));
            Assert.True(top[.., .., i].allclose(whole[.., .., i], rtol: 1e-5, atol: 1e-5), $"row {i} differs when the rows below are cut off");
        }
    }

    [Fact]
    public void Sampling_draws_what_a_sampler_over_the_whole_map_draws_under_the_same_seed()
    {
        Lab.Init(seed: 43);
        var prior = new PixelCnnPrior(9, 4, 5, channels: 16, blocks: 2, embedDim: 8);
        prior.eval();
        Lab.Seed(7);
        var drawn = prior.Sample(6);
        Assert.False(prior.training);
        // The plain sampler: the whole map through the network at every position.
        Lab.Seed(7);
        var expected = zeros(new long[] { 6, 4, 5 }, dtype: int64);
        using (no_grad())
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 5; j++)
                    expected[.., i, j] = multinomial(softmax(prior.forward(expected)[.., .., i, j], 1), 1).squeeze(1);
        Assert.True(drawn.eq(expected).all().item<bool>(), "the row-by-row sampler drew other codes than the whole-map one");
    }
}
