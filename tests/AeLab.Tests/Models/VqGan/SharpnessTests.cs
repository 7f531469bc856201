using AeLab.Models.VqGan;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

public class SharpnessTests
{
    [Fact]
    public void Blurring_lowers_both_measures_and_identical_images_score_one()
    {
        Lab.Init(seed: 0);
        var images = rand(4, 3, 32, 32) * 2 - 1;
        var blurred = nn.functional.avg_pool2d(images, 3, stride: 1, padding: 1);
        Assert.Equal(1.0, Sharpness.GradientRatio(images, images), 6);
        Assert.Equal(1.0, Sharpness.HighFrequencyRatio(images, images), 6);
        Assert.True(Sharpness.GradientRatio(blurred, images) < 0.6);
        Assert.True(Sharpness.HighFrequencyRatio(blurred, images) < 0.3);
    }

    [Fact]
    public void Mean_gradient_of_a_ramp_is_its_slope()
    {
        Lab.Init();
        var ramp = arange(8, dtype: float32).mul(0.1f).reshape(1, 1, 1, 8).expand(1, 1, 8, 8);
        Assert.Equal(0.05, Sharpness.MeanGradient(ramp), 5);   // 0.1 across, 0 down
        Assert.Throws<ArgumentException>(() => Sharpness.MeanGradient(zeros(8, 8)));
    }
}
