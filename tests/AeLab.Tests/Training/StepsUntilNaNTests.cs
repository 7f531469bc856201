using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

public class StepsUntilNaNTests
{
    [Fact]
    public void It_takes_the_steps_a_hand_written_Adam_loop_takes_and_reports_the_first_and_last_loss()
    {
        Lab.Init(seed: 0);
        Lab.Seed(4);
        using var a = nn.Linear(3, 1);
        using var b = nn.Linear(3, 1);
        b.load_state_dict(a.state_dict());
        using var x = randn(16, 3);
        using var y = randn(16, 1);

        // The loop lesson 06 used to write out: Adam at 1e-3, zero_grad, loss (with noise drawn), backward, step.
        Lab.Seed(9);
        var opt = optim.Adam(a.parameters(), 1e-3);
        var losses = new List<double>();
        for (int step = 0; step < 20; step++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var l = nn.functional.mse_loss(a.forward(x + 0.1 * randn_like(x)), y);
            losses.Add(l.item<float>());
            l.backward();
            opt.step();
        }

        Lab.Seed(9);
        var run = StepsUntilNaN.Adam(b.parameters(), () => nn.functional.mse_loss(b.forward(x + 0.1 * randn_like(x)), y), steps: 20);
        Assert.Equal(-1, run.NanStep);
        Assert.Equal(losses[0], run.FirstLoss);
        Assert.Equal(losses[^1], run.LastLoss);
        Assert.True(run.LastLoss < run.FirstLoss);
        Assert.Equal(a.weight!.data<float>().ToArray(), b.weight!.data<float>().ToArray());   // the same steps, to the bit
    }

    [Fact]
    public void It_stops_at_the_first_NaN_loss_and_says_at_which_step()
    {
        Lab.Init(seed: 0);
        using var w = nn.Parameter(ones(2));
        int calls = 0;
        var run = StepsUntilNaN.Adam(new[] { w }, () => calls++ == 3 ? w.sum() * double.NaN : w.square().sum(), steps: 10, learningRate: 0.1);
        Assert.Equal(3, run.NanStep);
        Assert.Equal(4, calls);   // no step after the NaN
        Assert.Equal(2.0, run.FirstLoss, 6);
        Assert.True(run.LastLoss < run.FirstLoss);

        calls = 0;
        var atOnce = StepsUntilNaN.Adam(new[] { w }, () => w.sum() * double.NaN, steps: 10);
        Assert.Equal(0, atOnce.NanStep);
        Assert.True(double.IsNaN(atOnce.FirstLoss) && double.IsNaN(atOnce.LastLoss));
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Lab.Init(seed: 0);
        using var w = nn.Parameter(ones(2));
        Assert.Equal("steps", Assert.Throws<ArgumentOutOfRangeException>(() => StepsUntilNaN.Adam(new[] { w }, () => w.sum(), steps: -1)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => StepsUntilNaN.Adam(new[] { w }, () => w.sum(), 5, 0)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => StepsUntilNaN.Adam(new[] { w }, () => w * 2, 5));
        Assert.Equal("loss", e.ParamName);
        Assert.Contains("one number", e.Message);
    }
}
