using AeLab.Data;
using AeLab.Models;
using AeLab.Models.Diffusion;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Diffusion;

/// <summary>A sampler's run recorded at chosen steps (lesson 13's strips), and the posterior means a latent prior trains on.</summary>
public class SamplerStripTests
{
    static Denoiser RandomDenoiser(int steps, long seed)
    {
        Lab.Init(seed: seed);
        var model = new Denoiser(4, 5, 5, NoiseSchedule.Linear(steps, 1e-3, 0.2), baseChannels: 8);
        using (no_grad())
            foreach (var p in model.parameters()) p.normal_(0, 0.2);
        return model;
    }

    [Fact]
    public void Evenly_keeps_the_first_and_the_last_step_and_rounds_in_between()
    {
        var ddim = Ddim.Timesteps(1000, 50);
        var kept = SamplerStrip.Evenly(ddim, 10);
        Assert.Equal(10, kept.Length);
        Assert.Equal(ddim[0], kept[0]);
        Assert.Equal(ddim[^1], kept[^1]);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => ddim[(int)Math.Round(i * 49 / 9.0)]), kept);
        // All T steps of DDPM from T − 1 down: every 111th at T = 1 000.
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 999 - 111 * i), SamplerStrip.Evenly(Enumerable.Range(0, 1000).Reverse().ToArray(), 10));
        Assert.Equal(new[] { 5, 3 }, SamplerStrip.Evenly(new[] { 5, 3 }, 10));   // fewer steps than asked: all of them
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => SamplerStrip.Evenly(ddim, 1)).ParamName);
        Assert.Equal("steps", Assert.Throws<ArgumentException>(() => SamplerStrip.Evenly(Array.Empty<int>(), 3)).ParamName);
    }

    [Fact]
    public void A_ddim_strip_keeps_the_chosen_steps_and_ends_where_the_sampler_ends()
    {
        var model = RandomDenoiser(40, seed: 11);
        var start = randn(2, 4, 5, 5);
        var strip = SamplerStrip.Ddim(model, start, steps: 8, shown: 4);
        Assert.Equal(SamplerStrip.Evenly(Ddim.Timesteps(40, 8), 4), strip.StepNumbers);
        Assert.True(strip.Steps[0].Noisy.equal(start).all().item<bool>(), "the first kept step is x_T itself");
        Assert.True(strip.Result.equal(Ddim.Sample(model, start, steps: 8)).all().item<bool>(), "recording changes the sample");
        Assert.True(strip.Seconds >= 0);
        // Rows: x_t at each kept step then the result; x̂₀ at each kept step (then the result on request), for one item.
        Func<Tensor, Tensor> decode = z => z.mean(new long[] { 1 }, keepdim: true);
        var noisy = strip.NoisyRow(decode, item: 1);
        Assert.Equal(new long[] { 5, 1, 5, 5 }, noisy.shape);
        Assert.True(noisy[4].allclose(strip.Result[1].mean(new long[] { 0 }, keepdim: true)));
        Assert.True(noisy[2].allclose(strip.Steps[2].Noisy[1].mean(new long[] { 0 }, keepdim: true)));
        Assert.Equal(4, strip.PredictedRow(decode).shape[0]);
        Assert.Equal(5, strip.PredictedRow(decode, withResult: true).shape[0]);
        Assert.Equal("item", Assert.Throws<ArgumentOutOfRangeException>(() => strip.NoisyRow(decode, item: 2)).ParamName);
    }

    [Fact]
    public void A_ddpm_strip_draws_what_the_sampler_draws_from_the_same_random_state()
    {
        var model = RandomDenoiser(20, seed: 12);
        var start = randn(3, 4, 5, 5);
        Lab.Seed(5);
        var strip = SamplerStrip.Ddpm(model, start, shown: 5);
        Lab.Seed(5);
        var plain = Ddpm.Sample(model, start);
        Assert.Equal(new[] { 19, 14, 9, 5, 0 }, strip.StepNumbers);   // T − 1 − ⌊i · 19/4⌉, halves rounded to even
        Assert.True(strip.Result.allclose(plain), "recording changes the sample");
        // x̂₀ at each kept step is what the noise prediction at x_t points to.
        var s = strip.Steps[1];
        Tensor eps;
        using (no_grad()) eps = model.forward(s.Noisy, full(new long[] { 3 }, s.Step, dtype: int64));
        Assert.True(s.Predicted.allclose(Ddim.PredictX0(model.Schedule, s.Noisy, s.Step, eps), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Posterior_means_are_the_encoder_of_every_image_in_any_batch_size()
    {
        Lab.Init(seed: 13);
        using var vae = new ConvVae(inChannels: 1, imageSize: 28, downsamples: 2, baseChannels: 8);
        var images = new ImageDataset(rand(7, 1, 28, 28));
        vae.train();
        var inBatches = LatentDiffusion.PosteriorMeans(vae, images, batch: 3);
        Assert.True(vae.training, "the autoencoder's mode is restored");
        vae.eval();
        Tensor direct;
        using (no_grad()) direct = vae.Encode(images.Images);
        Assert.Equal(new long[] { 7, 4, 7, 7 }, inBatches.shape);
        Assert.True(inBatches.allclose(direct, rtol: 1e-5, atol: 1e-6), "the posterior means differ from Encode");
        Assert.True(inBatches.allclose(LatentDiffusion.PosteriorMeans(vae, images), rtol: 1e-5, atol: 1e-6));
        Assert.False(inBatches.requires_grad);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => LatentDiffusion.PosteriorMeans(vae, images, batch: 0)).ParamName);
        Assert.Equal("images", Assert.Throws<ArgumentException>(() => LatentDiffusion.PosteriorMeans(vae, images.Take(0))).ParamName);
    }
}
