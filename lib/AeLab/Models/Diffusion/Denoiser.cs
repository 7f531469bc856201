using AeLab.Core;
using AeLab.Data;
using AeLab.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Diffusion;

/// <summary>
/// The noise predictor ε_θ(x_t, t) of a denoising diffusion model (Ho, Jain &amp; Abbeel 2020, "Denoising Diffusion
/// Probabilistic Models"), sized for small latent maps such as a VAE's 4×7×7 or 4×8×8: a two-level U-Net of
/// <see cref="TimeResidualBlock"/>s. A 3×3 conv to b channels, a block at full size (kept for the skip connection), a
/// stride-2 conv to half size, <c>middleBlocks</c> blocks at 2b channels, nearest-neighbour upsampling back to the
/// skip's size, the two concatenated, a block back to b channels, GroupNorm → SiLU → a 3×3 conv to the input's
/// channels (starting at zero). Every block adds the step's <see cref="TimeEmbedding"/>.
/// </summary>
/// <remarks>
/// <see cref="Loss(Batch)"/> is the paper's simplified objective (its Algorithm 1): draw t uniformly from 0…T−1 and
/// ε ~ N(0, I), form x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε in one go, and regress ε: ‖ε − ε_θ(x_t, t)‖², the mean over
/// every number. Sampling is <see cref="Ddpm"/> (ancestral, T steps) or <see cref="Ddim"/> (deterministic, few steps).
/// </remarks>
public sealed class Denoiser : nn.Module<Tensor, Tensor, Tensor>, ITrainable
{
    readonly TimeEmbedding timeEmbedding;
    readonly Conv2d input, down;
    readonly TimeResidualBlock high, up;
    readonly ModuleList<TimeResidualBlock> middle = new();
    readonly GroupNorm outNorm;
    readonly Conv2d output;

    /// <summary>Channels of the maps it denoises (a VAE's latent channels).</summary>
    public int Channels { get; }

    /// <summary>Height and width of the maps it draws (the convolutions take other sizes too).</summary>
    public (int Height, int Width) MapSize { get; }

    /// <summary>b, the channels at full size (2b at half size).</summary>
    public int BaseChannels { get; }

    /// <summary>The noise schedule its loss trains for and its samplers run.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>The shape of one map: [Channels, Height, Width].</summary>
    public long[] MapShape => new long[] { Channels, MapSize.Height, MapSize.Width };

    public Denoiser(int channels, int height, int width, NoiseSchedule schedule, int baseChannels = 32, int middleBlocks = 1)
        : base(nameof(Denoiser))
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be at least 1.");
        if (height < 2 || width < 2) throw new ArgumentException($"The map size must be at least 2×2; got {height}×{width}.", nameof(height));
        if (baseChannels < 8 || baseChannels % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(baseChannels), baseChannels, "baseChannels must be a positive multiple of 8 (GroupNorm uses 8 groups).");
        if (middleBlocks < 1) throw new ArgumentOutOfRangeException(nameof(middleBlocks), middleBlocks, "middleBlocks must be at least 1.");
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        Channels = channels;
        MapSize = (height, width);
        BaseChannels = baseChannels;
        int b = baseChannels, timeDim = 2 * b;
        timeEmbedding = new TimeEmbedding(b, timeDim);
        input = nn.Conv2d(channels, b, 3, padding: 1);
        high = new TimeResidualBlock(b, b, timeDim);
        down = nn.Conv2d(b, b, 3, stride: 2, padding: 1);
        for (int i = 0; i < middleBlocks; i++) middle.Add(new TimeResidualBlock(i == 0 ? b : 2 * b, 2 * b, timeDim));
        up = new TimeResidualBlock(3 * b, b, timeDim);
        outNorm = VqResBlock.Norm(8, b);
        output = nn.Conv2d(b, channels, 3, padding: 1);
        using (no_grad()) { output.weight!.zero_(); output.bias!.zero_(); }
        RegisterComponents();
    }

    /// <summary>ε_θ(x_t, t): the predicted noise [B, C, H, W] for noisy maps x_t [B, C, H, W] at steps t [B] (int64, in 0…T−1).</summary>
    public override Tensor forward(Tensor x, Tensor t)
    {
        CheckMaps(x, nameof(x));
        ArgumentNullException.ThrowIfNull(t);
        Schedule.CheckSteps(t, x.shape[0], nameof(Denoiser), nameof(t));
        using var scope = NewDisposeScope();
        var emb = timeEmbedding.forward(t.to(x.device));
        var skip = high.forward(input.forward(x), emb);
        var h = down.forward(skip);
        foreach (var block in middle) h = block.forward(h, emb);
        h = nn.functional.interpolate(h, size: new[] { skip.shape[2], skip.shape[3] }, mode: InterpolationMode.Nearest);
        h = up.forward(cat(new[] { h, skip }, 1), emb);
        return output.forward(nn.functional.silu(outNorm.forward(h))).MoveToOuterDisposeScope();
    }

    /// <summary>The simplified DDPM loss on clean maps x_0 [B, C, H, W]: mean ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖² over
    /// t ~ U{0…T−1} and ε ~ N(0, I), one draw of each per map. Metric: "mse" (the same number).</summary>
    public LossOutput Loss(Tensor x0)
    {
        CheckMaps(x0, nameof(x0));
        var t = randint(0, Schedule.Steps, new[] { x0.shape[0] }, dtype: int64, device: x0.device);
        var noise = randn_like(x0);
        using var xt = Schedule.AddNoise(x0, t, noise);
        using var predicted = forward(xt, t);
        var mse = nn.functional.mse_loss(predicted, noise);
        return new LossOutput(mse, new Dictionary<string, Tensor> { ["mse"] = mse.detach() });
    }

    /// <summary>The loss on a batch of clean maps (what the trainer calls).</summary>
    public LossOutput Loss(Batch batch) => Loss(batch.X);

    /// <summary><paramref name="n"/> maps drawn by DDPM's ancestral sampler, all T steps (<see cref="Ddpm.Sample(Denoiser, Tensor, Action{int, Tensor}?)"/>).</summary>
    public Tensor SampleDdpm(int n) => Ddpm.Sample(this, StartNoise(n));

    /// <summary><paramref name="n"/> maps drawn by DDIM in <paramref name="steps"/> steps (η = 0: deterministic given the start noise).</summary>
    public Tensor SampleDdim(int n, int steps = 50, double eta = 0) => Ddim.Sample(this, StartNoise(n), steps, eta);

    /// <summary>x_T ~ N(0, I) for <paramref name="n"/> maps of <see cref="MapShape"/>, on the model's device.</summary>
    public Tensor StartNoise(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be at least 1.");
        return randn(new[] { (long)n }.Concat(MapShape).ToArray(), device: this.DeviceOf());
    }

    internal void CheckMaps(Tensor x, string argument)
    {
        ArgumentNullException.ThrowIfNull(x, argument);
        if (x.dim() != 4 || x.shape[1] != Channels || x.shape[2] < 2 || x.shape[3] < 2)
            throw Expect.Mismatch(nameof(Denoiser), argument, $"as maps [B, {Channels}, H, W] (built for {Channels}×{MapSize.Height}×{MapSize.Width})",
                Expect.ShapeOf(x),
                x.dim() == 3 && x.shape[0] == Channels ? $"Add the batch dimension: {argument}.unsqueeze(0)." : $"Give latent maps with {Channels} channels, or build the denoiser for yours.");
        if (!x.is_floating_point())
            throw Expect.Mismatch(nameof(Denoiser), argument, "as floating-point maps", Expect.NameOf(x.dtype), $"Use {argument}.to(float32).");
    }
}
