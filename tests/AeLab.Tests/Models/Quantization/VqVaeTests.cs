using AeLab.Models;
using AeLab.Models.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Quantization;

public class VqVaeTests
{
    [Fact]
    public void Shapes_for_grey_28_and_rgb_32()
    {
        Lab.Init(seed: 21);
        var grey = new VqVae(1, 28, new VectorQuantizer(32, 8), hidden: 32, residualBlocks: 1);
        using (no_grad())
        {
            var x = rand(3, 1, 28, 28);
            Assert.Equal(new long[] { 3, 8, 7, 7 }, grey.Encode(x).shape);
            Assert.Equal(new long[] { 3, 7, 7 }, grey.EncodeIndices(x).shape);
            Assert.Equal(x.shape, grey.forward(x).shape);
            Assert.Equal(new long[] { 2, 1, 28, 28 }, grey.Sample(2).shape);
        }
        var rgb = new VqVae(3, 32, new EmaVectorQuantizer(32, 8), hidden: 32, downsamples: 2, residualBlocks: 1);
        using (no_grad())
        {
            var x = rand(2, 3, 32, 32);
            Assert.Equal(new long[] { 2, 8, 8 }, rgb.EncodeIndices(x).shape);
            Assert.Equal(x.shape, rgb.DecodeIndices(rgb.EncodeIndices(x)).shape);
        }
        var e = Assert.Throws<ArgumentException>(() => rgb.forward(rand(1, 3, 30, 30)));
        Assert.Contains("divisible by 4", e.Message);
    }

    [Fact]
    public void Loss_is_recon_plus_beta_codebook_plus_gamma_commitment()
    {
        Lab.Init(seed: 22);
        var model = new VqVae(1, 28, new VectorQuantizer(16, 8), hidden: 32, residualBlocks: 1, codebookWeight: 0.7, commitmentWeight: 0.3);
        var x = rand(2, 1, 28, 28);
        var o = model.Loss(x);
        double mse = o.Metrics["mse"].item<float>(), cb = o.Metrics["codebook"].item<float>(), cm = o.Metrics["commitment"].item<float>();
        Assert.Equal(mse + 0.7 * cb + 0.3 * cm, o.Loss.item<float>(), 4);
        // The reconstruction term is the MSE of decoding the quantised codes.
        using (no_grad()) Assert.Equal((model.forward(x) - x).pow(2).mean().item<float>(), mse, 4);
        // Straight-through: the encoder's first layer gets gradient from the loss.
        o.Loss.backward();
        Assert.True(model.parameters().First().grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Training_lowers_the_loss_with_either_quantizer()
    {
        foreach (var ema in new[] { false, true })
        {
            Lab.Init(seed: 23);
            IQuantizer q = ema ? new EmaVectorQuantizer(16, 8) : new VectorQuantizer(16, 8);
            var model = new VqVae(1, 16, q, hidden: 32, residualBlocks: 1);
            var x = rand(8, 1, 16, 16);
            var opt = optim.Adam(model.parameters(), 3e-3);
            double first = 0, last = 0;
            for (int i = 0; i < 60; i++)
            {
                opt.zero_grad();
                var loss = model.Loss(x).Loss;
                loss.backward();
                opt.step();
                if (i == 0) first = loss.item<float>();
                last = loss.item<float>();
            }
            Assert.True(last < 0.5 * first, $"ema={ema}: loss {first} → {last}");
        }
    }

    [Fact]
    public void Sample_decodes_the_prior_code_maps()
    {
        Lab.Init(seed: 24);
        var model = new VqVae(1, 8, new VectorQuantizer(4, 8), hidden: 32, downsamples: 1, residualBlocks: 0);
        model.eval();
        var fixedCodes = tensor(new long[] { 0, 1, 2, 3, 3, 2, 1, 0, 0, 0, 1, 1, 2, 2, 3, 3 }).reshape(1, 4, 4);
        model.Prior = new FixedPrior(fixedCodes, 4);
        using (no_grad())
            Assert.True(model.Sample(2)[1].allclose(model.DecodeIndices(fixedCodes)[0], atol: 1e-5));
    }
}

/// <summary>A prior that always draws the same code map (to test that Sample decodes what the prior draws).</summary>
sealed class FixedPrior(Tensor map, int codebookSize) : IPrior
{
    public int CodebookSize => codebookSize;
    public (int Height, int Width) MapSize => ((int)map.shape[1], (int)map.shape[2]);
    public LossOutput Loss(Tensor codes) => throw new NotSupportedException();
    public LossOutput Loss(AeLab.Data.Batch batch) => throw new NotSupportedException();
    public Tensor Sample(int n) => map.expand(n, map.shape[1], map.shape[2]).clone();
}
