using AeLab.Models.Layers;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.Layers;

public class DropoutTests
{
    [Fact]
    public void Training_keeps_one_minus_p_of_the_elements_scaled_so_the_mean_is_kept()
    {
        Lab.Init(seed: 1);
        using var drop = new Dropout(0.25);
        drop.train();
        using var x = ones(200, 500);
        using var y = drop.forward(x);
        double kept = y.ne(0).to(float32).mean().item<float>();
        Assert.InRange(kept, 0.74, 0.76);
        Assert.True(y.masked_select(y.ne(0)).sub(1 / 0.75).abs().max().item<float>() < 1e-5, "kept elements are scaled by 1/(1-p)");
        Assert.InRange(y.mean().item<float>(), 0.98, 1.02);
    }

    [Fact]
    public void Eval_mode_and_p_zero_pass_the_input_through_and_gradients_follow_the_mask()
    {
        Lab.Init(seed: 2);
        using var x = randn(4, 8).requires_grad_(true);
        using var drop = new Dropout(0.5);
        drop.eval();
        Assert.True(drop.forward(x).eq(x).all().item<bool>());
        using var none = new Dropout(0.0);
        none.train();
        Assert.True(none.forward(x).eq(x).all().item<bool>());
        drop.train();
        var y = drop.forward(x);
        y.sum().backward();
        // d(sum y)/dx is 1/(1-p) where an element was kept, 0 where it was dropped: the forward pass's own mask.
        Assert.True(x.grad!.eq(y.ne(0).to(float32) * 2).all().item<bool>());
    }

    [Fact]
    public void A_bfloat16_input_gets_a_bfloat16_mask_with_the_same_rate_and_scale()
    {
        Lab.Init(seed: 3);
        using var drop = new Dropout(0.25);
        drop.train();
        using var x = ones(200, 500, dtype: bfloat16);
        using var y = drop.forward(x);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        double kept = y.ne(0).to(float32).mean().item<float>();
        Assert.InRange(kept, 0.74, 0.76);
        // 1/0.75 rounded to bfloat16 (8 bits of mantissa), as libtorch rounds a float32 scale.
        Assert.True(y.masked_select(y.ne(0)).to(float32).sub(1 / 0.75).abs().max().item<float>() < 4e-3);
    }

    [Fact]
    public void The_seed_fixes_the_masks_and_successive_masks_differ()
    {
        using var drop = new Dropout(0.5);
        drop.train();
        using var x = ones(64, 49, 128);
        Lab.Init(seed: 7);
        using var first = drop.forward(x);
        using var second = drop.forward(x);
        Lab.Init(seed: 7);
        using var again = drop.forward(x);
        Assert.True(first.eq(again).all().item<bool>(), "the same seed draws the same mask");
        double same = first.eq(second).to(float32).mean().item<float>();
        Assert.InRange(same, 0.45, 0.55);    // two independent masks agree on about half the elements at p = 0.5
        // Neighbouring elements are independent: as many changes between neighbours as chance gives.
        using var row = first.reshape(-1);
        double flips = row.narrow(0, 1, row.shape[0] - 1).ne(row.narrow(0, 0, row.shape[0] - 1)).to(float32).mean().item<float>();
        Assert.InRange(flips, 0.48, 0.52);
    }

    [Fact]
    public void A_probability_outside_zero_to_one_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5));
        Assert.Equal("p", e.ParamName);
    }
}
