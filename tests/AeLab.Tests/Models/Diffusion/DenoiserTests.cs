using AeLab.Data;
using AeLab.Models;
using AeLab.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Diffusion;

public class DenoiserTests
{
    [Fact]
    public void Predicts_noise_of_the_input_shape_for_odd_and_even_latent_maps()
    {
        Lab.Init(seed: 1);
        foreach (var (h, w) in new[] { (7, 7), (8, 8), (5, 6) })
        {
            using var model = new Denoiser(4, h, w, NoiseSchedule.Cosine(100), baseChannels: 16);
            using (no_grad())
                foreach (var p in model.parameters()) p.normal_(0, 0.1);
            using var x = randn(3, 4, h, w);
            using var eps = model.forward(x, tensor(new long[] { 0, 50, 99 }));
            Assert.Equal(new long[] { 3, 4, h, w }, eps.shape);
            Assert.False(eps.isnan().any().item<bool>());
            Assert.Equal(new long[] { 4, h, w }, model.MapShape);
            using var drawn = model.SampleDdim(2, steps: 4);
            Assert.Equal(new long[] { 2, 4, h, w }, drawn.shape);
        }
    }

    [Fact]
    public void Starts_by_predicting_zero_noise_so_the_loss_starts_at_the_noise_variance()
    {
        Lab.Init(seed: 2);
        using var model = new Denoiser(4, 7, 7, NoiseSchedule.Linear(1000));
        using var x0 = randn(256, 4, 7, 7);
        using var eps = model.forward(x0, zeros(256, dtype: int64));
        Assert.Equal(0, eps.abs().max().item<float>());
        var output = model.Loss(new Batch(x0));
        Assert.Equal(0, output.Loss.dim());
        Assert.Equal(1.0, output.Loss.item<float>(), 1);   // mean of ε² over 50 176 numbers
        Assert.Equal(output.Loss.item<float>(), output.Metrics["mse"].item<float>());
    }

    [Fact]
    public void The_loss_is_the_mse_between_the_noise_and_its_prediction_at_the_drawn_steps()
    {
        Lab.Init(seed: 3);
        var schedule = NoiseSchedule.Cosine(50);
        using var model = new Denoiser(2, 4, 4, schedule, baseChannels: 8);
        using (no_grad())
            foreach (var p in model.parameters()) p.normal_(0, 0.1);
        var x0 = randn(5, 2, 4, 4);
        Lab.SeedExactly(9);
        var loss = model.Loss(x0).Loss.item<float>();
        // The same draws in the same order: t, then ε.
        Lab.SeedExactly(9);
        var t = randint(0, 50, new long[] { 5 }, dtype: int64);
        var eps = randn_like(x0);
        var byHand = (model.forward(schedule.AddNoise(x0, t, eps), t) - eps).square().mean().item<float>();
        Assert.Equal(byHand, loss, 5);
    }

    [Fact]
    public void Bad_inputs_are_refused_naming_the_argument()
    {
        using var model = new Denoiser(4, 7, 7, NoiseSchedule.Cosine(1000));
        var e = Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 3, 7, 7), zeros(2, dtype: int64)));
        Assert.Equal("x", e.ParamName);
        Assert.StartsWith("Denoiser expects x as maps [B, 4, H, W] (built for 4×7×7); got [2, 3, 7, 7].", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.forward(zeros(4, 7, 7), zeros(1, dtype: int64)));
        Assert.Contains("x.unsqueeze(0)", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 4, 7, 7), zeros(2)));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("int64", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 4, 7, 7), tensor(new long[] { 0, 1000 })));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("0…999", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 4, 7, 7), zeros(3, dtype: int64)));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("[2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Loss(zeros(2, 4, 7, 7, dtype: int64)));
        Assert.Equal("x0", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Denoiser(4, 7, 7, NoiseSchedule.Cosine(), baseChannels: 12));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.SampleDdim(0));
    }

    [Fact]
    public void The_sinusoidal_embedding_is_sines_then_cosines_of_geometric_frequencies()
    {
        var emb = TimeEmbedding.Sinusoidal(tensor(new long[] { 0, 7 }), 8);
        Assert.Equal(new long[] { 2, 8 }, emb.shape);
        for (int i = 0; i < 4; i++)
        {
            double omega = Math.Pow(10_000, -i / 4.0);
            Assert.Equal(0, emb[0, i].item<float>(), 6);
            Assert.Equal(1, emb[0, 4 + i].item<float>(), 6);
            Assert.Equal(Math.Sin(7 * omega), emb[1, i].item<float>(), 5);
            Assert.Equal(Math.Cos(7 * omega), emb[1, 4 + i].item<float>(), 5);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeEmbedding.Sinusoidal(tensor(new long[] { 1 }), 7));
    }

    [Fact]
    public void Latent_diffusion_scales_the_latents_keeps_the_scale_and_not_the_autoencoder_in_its_state()
    {
        Lab.Init(seed: 4);
        using var vae = new ConvVae(inChannels: 1, imageSize: 28, downsamples: 2, baseChannels: 8);
        Assert.Equal(new long[] { 4, 7, 7 }, vae.LatentShape);
        using var denoiser = new Denoiser(4, 7, 7, NoiseSchedule.Cosine(100), baseChannels: 8);
        var latents = 3 * randn(64, 4, 7, 7);
        double scale = LatentDiffusion.ScaleOf(latents);
        Assert.Equal(1 / latents.to(float64).std().item<double>(), scale, 12);
        using var model = new LatentDiffusion(vae, denoiser, scale);
        Assert.Equal(scale, model.LatentScale, 5);
        var state = model.state_dict();
        Assert.Contains("scale", state.Keys);
        Assert.DoesNotContain(state.Keys, k => !k.StartsWith("denoiser.") && k != "scale");
        Assert.Equal(denoiser.parameters().Count(), model.parameters().Count());
        // The loss scales the latents first.
        Lab.SeedExactly(5);
        var viaModel = model.Loss(latents).Loss.item<float>();
        Lab.SeedExactly(5);
        var direct = denoiser.Loss(latents * (float)scale).Loss.item<float>();
        Assert.Equal(direct, viaModel, 5);
        vae.train();
        using var images = model.Sample(3, steps: 2);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, images.shape);
        Assert.True(vae.training, "the autoencoder's mode is restored after decoding");
        using var z = model.EncodeLatents(rand(2, 1, 28, 28) * 2 - 1);
        Assert.Equal(new long[] { 2, 4, 7, 7 }, z.shape);
        // A denoiser for another latent shape is refused.
        var e = Assert.Throws<ArgumentException>(() => new LatentDiffusion(vae, new Denoiser(4, 8, 8, NoiseSchedule.Cosine(100), baseChannels: 8)));
        Assert.Equal("denoiser", e.ParamName);
        Assert.Contains("[4, 7, 7]", e.Message);
        Assert.Throws<ArgumentException>(() => LatentDiffusion.ScaleOf(zeros(1, 4, 7, 7)));
    }

    [Fact]
    public void ConvVae_with_fewer_base_channels_keeps_its_shapes()
    {
        using var small = new ConvVae(inChannels: 1, imageSize: 28, downsamples: 2, baseChannels: 32);
        using var source = new ConvVae(inChannels: 1, imageSize: 28, downsamples: 2);
        Assert.Equal(32, small.BaseChannels);
        Assert.Equal(64, source.BaseChannels);
        Assert.True(small.parameters().Sum(p => p.numel()) * 3 < source.parameters().Sum(p => p.numel()));
        small.eval();
        using var mu = small.Encode(zeros(2, 1, 28, 28));
        Assert.Equal(new long[] { 2, 4, 7, 7 }, mu.shape);
        using var back = small.Decode(mu);
        Assert.Equal(new long[] { 2, 1, 28, 28 }, back.shape);
    }
}
