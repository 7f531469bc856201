using AeLab.Exercises;
using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Exercises;

// The scaffolding of exercises 02.2, 02.3 and 04.3, which the lessons' cells call so that they hold only the task.
public class ExerciseProbeTests
{
    public ExerciseProbeTests() => Lab.Init(seed: 0);

    [Fact]
    public void The_first_layer_is_a_copy_and_a_bias_below_minus_the_positive_weights_silences_unit_0()
    {
        Lab.Seed(1);
        var model = new MlpAutoencoder(latentSize: 4, hidden: new[] { 16, 8 }, loss: ReconstructionLoss.Mse);
        var images = rand(32, 1, 28, 28);
        var layer = DeadUnitProbe.FirstEncoderLayer(model);
        var original = (TorchSharp.Modules.Linear)model.Encoder.children().First();
        Assert.Equal(original.weight!.data<float>().ToArray(), layer.weight!.data<float>().ToArray());

        double bound = layer.weight![0].clamp_min(0).sum().item<float>();
        Assert.True(DeadUnitProbe.Silences(layer, -bound - 1e-3, images));
        Assert.False(DeadUnitProbe.Silences(layer, bound + 1, images));
        Assert.NotEqual(original.bias![0].item<float>(), layer.bias![0].item<float>());   // the model itself is untouched
        Assert.Equal("images", Assert.Throws<ArgumentException>(() => DeadUnitProbe.Silences(layer, 0, rand(4, 3, 32, 32))).ParamName);
    }

    [Fact]
    public void A_dead_relu_unit_gets_exactly_no_gradient_and_a_dead_leaky_unit_some()
    {
        Lab.Seed(2);
        var relu = new MlpAutoencoder(latentSize: 4, hidden: new[] { 16, 8 }, loss: ReconstructionLoss.Mse);
        var leaky = new MlpAutoencoder(latentSize: 4, hidden: new[] { 16, 8 }, loss: ReconstructionLoss.Mse, leakySlope: 0.2);
        var images = rand(32, 1, 28, 28);
        var before = relu.parameters().Select(p => p.data<float>().ToArray()).ToList();
        Assert.True(DeadUnitProbe.GradientIsZero(relu, images));
        Assert.False(DeadUnitProbe.GradientIsZero(leaky, images));
        Assert.Equal(before, relu.parameters().Select(p => p.data<float>().ToArray()).ToList());   // worked on a copy
        Assert.All(relu.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void One_step_over_the_decoder_changes_no_encoder_number()
    {
        Lab.Seed(43);
        var tiny = new ResidualConvAutoencoder(latentSize: 16, width: 8, convsPerSide: 1);
        var images = rand(2, 3, 64, 64);
        var step = OneStepChanges.Take(tiny, optim.Adam(tiny.DecoderParameters(), 1e-3), images);
        Assert.Equal(0, step.Encoder);
        Assert.InRange(step.Decoder, 1, step.DecoderNumbers);
        Assert.Equal(tiny.DecoderParameters().Sum(w => w.numel()), step.DecoderNumbers);

        var all = OneStepChanges.Take(tiny, optim.Adam(tiny.parameters(), 1e-3), images);
        Assert.True(all.Encoder > 0);
    }
}
