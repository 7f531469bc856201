using AeLab.Models;
using AeLab.Models.Quantization;
using AeLab.Models.VqGan;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

public class GradientsTests
{
    /// <summary>Trains a fresh copy of a model a few steps, starting each step with <paramref name="clear"/>; its weights after.</summary>
    static float[][] Train(Func<nn.Module<Tensor, Tensor>> build, Func<nn.Module<Tensor, Tensor>, optim.Optimizer> optimizer,
        Action<optim.Optimizer> clear, Tensor x, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor> loss)
    {
        Lab.Seed(3);
        using var m = build();
        var opt = optimizer(m);
        for (int i = 0; i < 4; i++)
        {
            using var _ = NewDisposeScope();
            clear(opt);
            loss(m, x).backward();
            opt.step();
        }
        return m.parameters().Select(p => p.data<float>().ToArray()).ToArray();
    }

    public static TheoryData<string> Models => new() { "vq-gan", "conv-vae", "mlp-vae" };

    [Theory]
    [MemberData(nameof(Models))]
    public void Clearing_gives_the_same_weights_to_the_bit_as_zeroing(string which)
    {
        Lab.Init(seed: 0);
        using var x = which == "mlp-vae" ? rand(8, 1, 28, 28) : rand(4, 3, 16, 16) * 2 - 1;
        Func<nn.Module<Tensor, Tensor>> build = which switch
        {
            "vq-gan" => () => new VqGanModel(new VectorQuantizer(16, 8), channels: 8, downsamples: 1, imageSize: 16),
            "conv-vae" => () => new ConvVae(latentChannels: 2, imageSize: 16, downsamples: 2),
            _ => () => new MlpVae(latentSize: 4, hidden: 32),
        };
        // AdamW's weight decay would move a weight stepped with a zero gradient: the strictest case.
        Func<nn.Module<Tensor, Tensor>, optim.Optimizer> adamW = m => optim.AdamW(m.parameters(), 1e-2, weight_decay: 1e-2);
        Func<nn.Module<Tensor, Tensor>, Tensor, Tensor> loss = (m, t) => ((IAutoencoder)m).Loss(t).Loss;

        var zeroed = Train(build, adamW, o => o.zero_grad(), x, loss);
        var cleared = Train(build, adamW, o => o.ClearGradients(), x, loss);

        Assert.Equal(zeroed.Length, cleared.Length);
        for (int i = 0; i < zeroed.Length; i++) Assert.Equal(zeroed[i], cleared[i]);
        Lab.Seed(3);
        using var initial = build();
        Assert.NotEqual(initial.parameters().First().data<float>().ToArray(), cleared[0]);   // the steps did move the weights
    }

    [Fact]
    public void Clearing_drops_every_gradient_and_a_weight_the_loss_does_not_reach_is_left_alone()
    {
        Lab.Init(seed: 0);
        using var used = nn.Linear(3, 1);
        using var unused = nn.Linear(3, 1);
        var opt = optim.AdamW(used.parameters().Concat(unused.parameters()), 1e-2, weight_decay: 0.5);
        using var x = randn(5, 3);
        using (NewDisposeScope()) unused.forward(x).sum().backward();   // a gradient left over from an earlier step
        var before = unused.weight!.data<float>().ToArray();

        opt.ClearGradients();
        Assert.All(opt.parameters(), p => Assert.Null(p.grad));
        using (NewDisposeScope()) used.forward(x).pow(2).mean().backward();
        opt.step();

        Assert.NotNull(used.weight!.grad);
        Assert.Null(unused.weight!.grad);
        Assert.Equal(before, unused.weight!.data<float>().ToArray());
        Assert.Throws<ArgumentNullException>(() => Gradients.ClearGradients(null!));
    }
}
