using AeLab.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Diffusion;

public class NoiseScheduleTests
{
    [Fact]
    public void Alpha_bar_is_the_cumulative_product_of_one_minus_beta_for_both_schedules()
    {
        foreach (var schedule in new[] { NoiseSchedule.Linear(1000), NoiseSchedule.Cosine(1000), NoiseSchedule.Linear(7, 0.1, 0.3) })
        {
            // Independently: as a sum of logarithms, and with TorchSharp's cumprod in float64.
            double logSum = 0;
            var cumprod = (1 - tensor(schedule.Betas.ToArray(), dtype: float64)).cumprod(0).data<double>().ToArray();
            for (int t = 0; t < schedule.Steps; t++)
            {
                logSum += Math.Log(1 - schedule.Betas[t]);
                Assert.Equal(Math.Exp(logSum), schedule.AlphaBar(t), 1e-12);
                Assert.Equal(cumprod[t], schedule.AlphaBars[t], 1e-12);
                Assert.Equal(1 - schedule.Betas[t], schedule.Alpha(t), 15);
            }
            Assert.Equal(1.0, schedule.AlphaBar(-1));
        }
    }

    [Fact]
    public void The_linear_schedule_is_the_ddpm_papers_and_the_cosine_one_follows_its_closed_form()
    {
        var linear = NoiseSchedule.Linear();
        Assert.Equal(1000, linear.Steps);
        Assert.Equal(1e-4, linear.Beta(0), 15);
        Assert.Equal(0.02, linear.Beta(999), 15);
        Assert.Equal(1e-4 + (0.02 - 1e-4) * 500 / 999, linear.Beta(500), 15);
        // Cosine: ᾱ_t = f(t + 1) / f(0) with f(u) = cos²(π/2 (u/T + s)/(1 + s)), while no β is capped.
        var cosine = NoiseSchedule.Cosine(1000);
        double F(double u) => Math.Pow(Math.Cos((u / 1000 + 0.008) / 1.008 * Math.PI / 2), 2);
        foreach (int t in new[] { 0, 1, 10, 250, 500, 900, 990 })
            Assert.Equal(F(t + 1) / F(0), cosine.AlphaBar(t), 1e-9);
        Assert.Equal(0.999, cosine.Beta(999), 12);   // the cap
        Assert.True(cosine.Betas.Zip(cosine.Betas.Skip(1)).All(p => p.First <= p.Second), "β rises with t");
    }

    [Fact]
    public void The_closed_form_marginal_matches_the_chain_of_single_steps_sampled()
    {
        Lab.Init(seed: 11);
        var schedule = NoiseSchedule.Linear(60, 1e-3, 0.05);
        var x0 = tensor(new[] { 1.5, -0.5, 0.0, 2.0 }, dtype: float64);
        const int draws = 40_000;
        foreach (int t in new[] { 0, 9, 59 })
        {
            // Run the forward chain x_s = √(1 − β_s) x_{s−1} + √β_s ε_s step by step, many times over.
            var x = x0.unsqueeze(0).expand(draws, 4).clone();
            for (int s = 0; s <= t; s++)
                x = Math.Sqrt(1 - schedule.Beta(s)) * x + Math.Sqrt(schedule.Beta(s)) * randn(draws, 4, dtype: float64);
            double alphaBar = schedule.AlphaBar(t);
            var mean = x.mean(new long[] { 0 });
            var variance = x.var(0);
            // Standard errors: √((1 − ᾱ)/N) for the mean, (1 − ᾱ)√(2/N) for the variance; 5 of them.
            Assert.True((mean - Math.Sqrt(alphaBar) * x0).abs().max().item<double>() < 5 * Math.Sqrt((1 - alphaBar) / draws), $"mean at t = {t}");
            Assert.True((variance - (1 - alphaBar)).abs().max().item<double>() < 5 * (1 - alphaBar) * Math.Sqrt(2.0 / draws), $"variance at t = {t}");
            // AddNoise draws from the same distribution in one go.
            var batch = x0.unsqueeze(0).expand(draws, 4).contiguous();
            var oneGo = schedule.AddNoise(batch, full(new long[] { draws }, t, dtype: int64), randn(draws, 4, dtype: float64));
            Assert.True((oneGo.mean(new long[] { 0 }) - Math.Sqrt(alphaBar) * x0).abs().max().item<double>() < 5 * Math.Sqrt((1 - alphaBar) / draws));
            Assert.True((oneGo.var(0) - (1 - alphaBar)).abs().max().item<double>() < 5 * (1 - alphaBar) * Math.Sqrt(2.0 / draws));
        }
    }

    [Fact]
    public void AddNoise_is_the_closed_form_per_item()
    {
        var schedule = NoiseSchedule.Cosine(100);
        var x0 = tensor(new float[] { 1, 2, 3, 4, 5, 6 }).reshape(2, 3);
        var eps = tensor(new float[] { 0.5f, -1, 0, 2, 1, -0.5f }).reshape(2, 3);
        var t = tensor(new long[] { 3, 70 });
        var got = schedule.AddNoise(x0, t, eps);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
            {
                double a = schedule.AlphaBar(i == 0 ? 3 : 70);
                Assert.Equal(Math.Sqrt(a) * x0[i, j].item<float>() + Math.Sqrt(1 - a) * eps[i, j].item<float>(), got[i, j].item<float>(), 5);
            }
    }

    [Fact]
    public void Bad_steps_and_noise_are_refused_naming_the_argument()
    {
        var schedule = NoiseSchedule.Linear(10);
        var x0 = zeros(2, 3);
        var e = Assert.Throws<ArgumentException>(() => schedule.AddNoise(x0, tensor(new long[] { 0, 10 }), zeros(2, 3)));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("0…9", e.Message);
        e = Assert.Throws<ArgumentException>(() => schedule.AddNoise(x0, tensor(new[] { 0f, 1f }), zeros(2, 3)));
        Assert.Contains("int64", e.Message);
        e = Assert.Throws<ArgumentException>(() => schedule.AddNoise(x0, tensor(3L), zeros(2, 3)));
        Assert.Contains("full(2", e.Message);
        e = Assert.Throws<ArgumentException>(() => schedule.AddNoise(x0, tensor(new long[] { 0, 1 }), zeros(3, 2)));
        Assert.Equal("noise", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoiseSchedule(new[] { 0.1, 1.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.Beta(10));
    }
}
