using AeLab.Data;
using AeLab.Models.Quantization;
using AeLab.Models.VqGan;
using static TorchSharp.torch;

namespace AeLab.Bench;

/// <summary>
/// The discrete models of lessons 09–11 on the VQ-GAN autoencoder (taming-style, scaled for a CPU): 32 px RGB,
/// 32 channels, two downsamplings (8×8 codes), a 256 × 32 codebook, Adam 2e-4 (β 0.5, 0.9); the prior is the
/// MaskGIT transformer over those 8×8 code maps (dim 128, 4 heads, 4 layers). PyTorch twins: tests/bench/vq_models.py.
/// </summary>
public static class VqCases
{
    const int Size = 32, Channels = 32, Downsamples = 2, Codes = 256, CodeDim = 32;

    static VqGanModel Model() => new(new VectorQuantizer(Codes, CodeDim), Channels, Downsamples, imageSize: Size);

    public static IEnumerable<BenchCase> All()
    {
        yield return new BenchCase("vq-vae-32", "VQ-GAN autoencoder without discriminator (the VQ-VAE baseline), 32 px, batch 16", 16,
            b => rand(b, 3, Size, Size) * 2 - 1,
            () =>
            {
                var m = Model();
                return new Built(m, x => m.Loss(x).Loss, x => m.Decode(m.Encode(x)), optim.Adam(m.parameters(), 2e-4, beta1: 0.5, beta2: 0.9));
            },
            b => AutoencoderMacs(b), Walk: Walks.VqVae);

        yield return new BenchCase("vq-gan-32", "VQ-GAN stage 1: generator + PatchGAN discriminator step (GAN active), 32 px, batch 16", 16,
            b => rand(b, 3, Size, Size) * 2 - 1,
            () =>
            {
                var m = Model();
                var d = new PatchDiscriminator();
                var step = new VqGanStep(m, d, new VqGanLossSettings(DiscriminatorStart: 0));
                var both = new Pair(m, d);
                // The step owns its optimizers and steps them itself: the timed "loss" is its whole step.
                return new Built(both, x => { using (NewDisposeScope()) step.Step(new Batch(x)); return NoOp(); },
                    x => m.Decode(m.Encode(x)), optim.SGD(new[] { Idle }, 0.0));
            },
            // Generator fwd+bwd, plus the discriminator: on the reconstruction with gradients (3×), on the originals for
            // the feature targets (1×), again inside the adaptive weight's gradient (≈2×), and its own update on real and
            // fake (2 × 3×): about 12 discriminator forwards, expressed here in forward-equivalent MACs.
            b => AutoencoderMacs(b) + 4 * DiscriminatorMacs(b), Walk: Walks.VqGan);

        yield return new BenchCase("vq-transformer", "VQ-GAN stage 2: MaskGIT transformer on 8×8 code maps (dim 128, 4 heads, 4 layers), batch 64", 64,
            b => randint(0, Codes, new long[] { b, Size >> Downsamples, Size >> Downsamples }),
            () =>
            {
                int s = Size >> Downsamples;
                var p = MaskGitPrior.WithTransformer(Codes, s, s);
                return new Built(p, t => p.Loss(t).Loss, t => p.forward(t), optim.Adam(p.parameters(), 3e-4));
            },
            b => TransformerMacs(b, Codes + 1, (Size >> Downsamples) * (Size >> Downsamples), 128, 4), Walk: b => Walks.MaskGit(b));
    }

    /// <summary>VqGanModel: encoder, nearest-code search, decoder, from its layer shapes.</summary>
    public static double AutoencoderMacs(long n)
    {
        long s0 = Size, s1 = Size / 2, s2 = Size / 4;
        long w0 = Channels, w1 = 2 * Channels, w2 = 4 * Channels;
        double enc = Flops.Conv(n, 3, w0, 3, s0, s0)
                   + 2 * Flops.Conv(n, w0, w0, 3, s0, s0) + Flops.Conv(n, w0, w1, 4, s1, s1)
                   + 2 * Flops.Conv(n, w1, w1, 3, s1, s1) + Flops.Conv(n, w1, w2, 4, s2, s2)
                   + 2 * Flops.Conv(n, w2, w2, 3, s2, s2) + Flops.Conv(n, w2, CodeDim, 1, s2, s2);
        double quantize = Flops.Linear(n * s2 * s2, CodeDim, Codes); // distances to every code
        double dec = Flops.Conv(n, CodeDim, w2, 3, s2, s2) + 2 * Flops.Conv(n, w2, w2, 3, s2, s2)
                   + Flops.Conv(n, w2, w1, 3, s1, s1) + 2 * Flops.Conv(n, w1, w1, 3, s1, s1)
                   + Flops.Conv(n, w1, w0, 3, s0, s0) + 2 * Flops.Conv(n, w0, w0, 3, s0, s0)
                   + Flops.Conv(n, w0, 3, 3, s0, s0);
        return enc + quantize + dec;
    }

    /// <summary>PatchDiscriminator(3, 64, 3) on 32 px: 4×4 convs to 16, 8, 4 px, a stride-1 one to 3 px, the 1-channel head to 2 px.</summary>
    public static double DiscriminatorMacs(long n) =>
        Flops.Conv(n, 3, 64, 4, 16, 16) + Flops.Conv(n, 64, 128, 4, 8, 8) + Flops.Conv(n, 128, 256, 4, 4, 4)
        + Flops.Conv(n, 256, 512, 4, 3, 3) + Flops.Conv(n, 512, 1, 4, 2, 2);

    /// <summary>Per layer and token: Q, K, V, output projections (4d²) and the MLP (8d²); attention products 2·L·d; the vocabulary head.</summary>
    public static double TransformerMacs(long n, long vocab, long length, long dim, int layers) =>
        layers * (Flops.Linear(n * length, dim, 12 * dim) + Flops.Attention(n, length, dim)) + Flops.Linear(n * length, dim, vocab);

    // The runner's own clear/backward/step then cost nothing: a scalar's backward and an SGD step on one idle number.
    static readonly TorchSharp.Modules.Parameter Idle = new(zeros(1));
    static Tensor NoOp() => (Idle * 0).sum();

    /// <summary>Both networks as one module (train/eval mode and disposal).</summary>
    sealed class Pair : nn.Module
    {
        readonly nn.Module a, b;
        public Pair(nn.Module a, nn.Module b) : base("pair") { this.a = a; this.b = b; RegisterComponents(); }
    }
}
