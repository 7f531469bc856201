using AeLab.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Diffusion;

public class SamplerTests
{
    /// <summary>A small denoiser whose weights are all random (its last conv starts at zero, which would make ε̂ = 0).</summary>
    static Denoiser RandomDenoiser(int steps, long seed)
    {
        Lab.Init(seed: seed);
        var model = new Denoiser(4, 5, 5, NoiseSchedule.Cosine(steps), baseChannels: 8);
        using (no_grad())
            foreach (var p in model.parameters()) p.normal_(0, 0.2);
        return model;
    }

    [Fact]
    public void One_ddpm_step_equals_the_formula_computed_by_hand()
    {
        var schedule = NoiseSchedule.Linear(50, 1e-3, 0.2);
        var xt = tensor(new[] { 0.3, -1.2, 2.0, 0.7 }, dtype: float64);
        var eps = tensor(new[] { 0.1, 0.4, -0.9, 1.1 }, dtype: float64);
        var z = tensor(new[] { -0.6, 0.2, 0.5, -1.4 }, dtype: float64);
        foreach (int t in new[] { 0, 1, 30, 49 })
        {
            // β_t, α_t, ᾱ_t and ᾱ_{t−1} from the β list alone.
            double beta = schedule.Betas[t], alpha = 1 - beta;
            double alphaBar = 1, alphaBarPrev = 1;
            for (int s = 0; s <= t; s++) { alphaBarPrev = alphaBar; alphaBar *= 1 - schedule.Betas[s]; }
            double sigma = t == 0 ? 0 : Math.Sqrt((1 - alphaBarPrev) / (1 - alphaBar) * beta);
            var got = Ddpm.Step(schedule, xt, t, eps, z).data<double>().ToArray();
            for (int i = 0; i < 4; i++)
            {
                double x = xt[i].item<double>(), e = eps[i].item<double>(), n = z[i].item<double>();
                double expected = (x - beta / Math.Sqrt(1 - alphaBar) * e) / Math.Sqrt(alpha) + sigma * n;
                Assert.Equal(expected, got[i], 12);
            }
        }
    }

    [Fact]
    public void One_ddim_step_equals_the_formula_computed_by_hand()
    {
        var schedule = NoiseSchedule.Cosine(100);
        var xt = tensor(new[] { 0.3, -1.2, 2.0 }, dtype: float64);
        var eps = tensor(new[] { 0.1, 0.4, -0.9 }, dtype: float64);
        var z = tensor(new[] { -0.6, 0.2, 0.5 }, dtype: float64);
        foreach (var (t, next, eta) in new[] { (99, 79, 0.0), (40, 20, 0.5), (10, -1, 0.0), (5, 4, 1.0) })
        {
            double a = schedule.AlphaBar(t), an = next < 0 ? 1 : schedule.AlphaBar(next);
            double sigma = eta * Math.Sqrt((1 - an) / (1 - a)) * Math.Sqrt(1 - a / an);
            var got = Ddim.Step(schedule, xt, t, next, eps, eta, z).data<double>().ToArray();
            for (int i = 0; i < 3; i++)
            {
                double x = xt[i].item<double>(), e = eps[i].item<double>();
                double x0 = (x - Math.Sqrt(1 - a) * e) / Math.Sqrt(a);
                double expected = Math.Sqrt(an) * x0 + Math.Sqrt(1 - an - sigma * sigma) * e + sigma * z[i].item<double>();
                Assert.Equal(expected, got[i], 12);
            }
        }
    }

    [Fact]
    public void Ddim_visits_evenly_spaced_steps_starting_at_pure_noise()
    {
        Assert.Equal(new[] { 999, 799, 599, 399, 199 }, Ddim.Timesteps(1000, 5));
        var fifty = Ddim.Timesteps(1000, 50);
        Assert.Equal(999, fifty[0]);
        Assert.Equal(19, fifty[^1]);
        Assert.Equal(Enumerable.Range(0, 10).Reverse(), Ddim.Timesteps(10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ddim.Timesteps(10, 11));
    }

    [Fact]
    public void Ddim_with_eta_zero_is_deterministic_whatever_the_random_state()
    {
        var model = RandomDenoiser(40, seed: 3);
        var start = randn(3, 4, 5, 5);
        Lab.Init(seed: 1);
        var first = Ddim.Sample(model, start, steps: 8);
        Lab.Init(seed: 2);
        randn(100);   // move the generator on
        var second = Ddim.Sample(model, start, steps: 8);
        Assert.True(first.equal(second).all().item<bool>(), "two DDIM runs (η = 0) from the same x_T differ");
        Assert.False(first.isnan().any().item<bool>());
        // With η > 0 the same start gives other samples under other seeds.
        Lab.Init(seed: 1);
        var noisy1 = Ddim.Sample(model, start, steps: 8, eta: 1);
        Lab.Init(seed: 2);
        var noisy2 = Ddim.Sample(model, start, steps: 8, eta: 1);
        Assert.False(noisy1.allclose(noisy2));
    }

    [Fact]
    public void Ddim_with_eta_one_on_every_step_is_the_ddpm_sampler()
    {
        var model = RandomDenoiser(25, seed: 4);
        var start = randn(2, 4, 5, 5);
        var visited = new List<int>();
        Lab.Init(seed: 7);
        var ddpm = Ddpm.Sample(model, start, s => visited.Add(s.Step));
        Lab.Init(seed: 7);
        var ddim = Ddim.Sample(model, start, steps: 25, eta: 1);
        Assert.Equal(Enumerable.Range(0, 25).Reverse(), visited);
        Assert.True(ddpm.allclose(ddim, rtol: 1e-4, atol: 1e-5), $"largest difference {(ddpm - ddim).abs().max().item<float>()}");
    }

    [Fact]
    public void Sampler_steps_show_the_map_and_the_clean_map_it_points_to()
    {
        var model = RandomDenoiser(30, seed: 5);
        var start = randn(1, 4, 5, 5);
        var steps = new List<(int Step, Tensor Noisy, Tensor Predicted)>();
        var result = Ddim.Sample(model, start, steps: 6, onStep: s => steps.Add((s.Step, s.Noisy, s.Predicted)));
        Assert.Equal(Ddim.Timesteps(30, 6), steps.Select(s => s.Step));
        Assert.True(steps[0].Noisy.equal(start).all().item<bool>());
        Assert.Equal(new long[] { 1, 4, 5, 5 }, result.shape);
        // The last DDIM step (to ᾱ = 1) lands exactly on the clean map predicted there.
        Assert.True(result.allclose(steps[^1].Predicted, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Sampler_steps_refuse_mismatched_shapes_and_steps()
    {
        var schedule = NoiseSchedule.Linear(10);
        var e = Assert.Throws<ArgumentException>(() => Ddpm.Step(schedule, zeros(2, 3), 5, zeros(3, 2), zeros(2, 3)));
        Assert.Equal("predictedNoise", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ddpm.Step(schedule, zeros(2), 10, zeros(2), zeros(2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ddim.Step(schedule, zeros(2), 5, 5, zeros(2)));
        Assert.Throws<ArgumentNullException>(() => Ddim.Step(schedule, zeros(2), 5, 2, zeros(2), eta: 0.5));
    }
}
