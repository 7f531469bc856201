namespace AeLab.Bench;

/// <summary>
/// Each case's training step as a walk through its layers (see <see cref="Traffic"/> for what a layer moves), written
/// from the library's model code in the order the step runs it. The same walk gives the forward MACs, which the
/// self-test checks against the <see cref="Flops"/> formulas of Cases.cs and VqCases.cs, and the parameters, which it
/// checks against the built model: two independent descriptions of the same layers that must agree.
/// </summary>
public static class Walks
{
    // --- lesson 01, 07: the MLPs -------------------------------------------------------------------------------

    /// <summary>MlpAutoencoder: Linear+ReLU stack to the code and back to logits; BCE on logits (the MSE metric forward only); Adam.</summary>
    public static Traffic MlpAe(long n, int input = 784, int latent = 20, int[]? hidden = null)
    {
        var h = hidden ?? new[] { 256, 128 };
        var t = new Traffic();
        int[] sizes = new[] { input }.Concat(h).Append(latent).Concat(h.Reverse()).Append(input).ToArray();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            t.Linear($"linear {sizes[i]}→{sizes[i + 1]}", n, sizes[i], sizes[i + 1], inputGrad: i > 0);
            bool codeOrLogits = i + 1 == h.Length + 1 || i + 2 == sizes.Length;
            if (!codeOrLogits) t.Activation("relu", n * sizes[i + 1]);
        }
        long px = n * input;
        t.Grad = false;
        t.Elementwise("sigmoid + mse (metric)", px, 4, 0);
        t.Grad = true;
        t.Loss("bce_with_logits", px);
        return t.Optimizer("Adam", t.Parameters);
    }

    /// <summary>MlpVae: 784→h (ReLU) → μ, logvar; reparameterised z; h → 784 logits; BCE summed per image + KL; Adam.</summary>
    public static Traffic MlpVae(long n, int input = 784, int hidden = 128, int latent = 10)
    {
        var t = new Traffic();
        long lat = n * latent;
        t.Linear("fc1", n, input, hidden, inputGrad: false).Activation("relu", n * hidden).Fork("h → μ, logvar", n * hidden);
        t.Linear("fc_mu", n, hidden, latent).Linear("fc_logvar", n, hidden, latent);
        Reparameterise(t, lat);
        t.Linear("fc4", n, latent, hidden).Activation("relu", n * hidden).Linear("fc5", n, hidden, input);
        t.Loss("bce_with_logits (per pixel)", n * input).Elementwise("per-pixel losses: write, sum", n * input, 2, 0);
        Kl(t, lat);
        return t.Optimizer("Adam", t.Parameters);
    }

    // z = μ + exp(0.5·logvar)·ε: mul, exp, randn, mul, add (11 tensors forward, 8 backward); μ and logvar also feed the KL.
    static void Reparameterise(Traffic t, long e) => t.Elementwise("reparameterise", e, 11, 8).Fork("μ, logvar → KL", 2 * e);

    // ½(μ² + exp(logvar) − logvar − 1) summed: pow, exp, add, sub, sub, mul, sum.
    static void Kl(Traffic t, long e) => t.Elementwise("kl", e, 15, 8);

    // --- lesson 04: the residual-block AE ------------------------------------------------------------------------

    /// <summary>ResidualConvAutoencoder (see Cases.ResidualAeMacs for the sizes): MSE on [0,1] images, Adam.</summary>
    public static Traffic ResidualAe(long n, int width = 32, int convs = 4, int size = 64, int latent = 128)
    {
        long[] ch = { 3, width, 2 * width, 4 * width, 8 * width };
        var t = new Traffic();
        long img = n * 3 * size * size;
        t.Grad = false;
        t.Elementwise("x·2 − 1", img, 4, 0);
        t.Copy("channels-last input", img);
        t.Grad = true;
        long s = size;
        for (int i = 0; i < 4; i++)
        {
            long cin = ch[i], cout = ch[i + 1], s2 = (s - 3) / 2 + 1;
            bool first = i == 0;
            if (!first) t.Fork($"enc{i} input → main, shortcut", n * cin * s * s);
            for (int j = 0; j < convs; j++) Unit(t, $"enc{i}.{j}", n, cin, cin, 3, s, s, inputGrad: !(first && j == 0));
            Unit(t, $"enc{i}.down", n, cin, cout, 3, s, s2, inputGrad: !(first && convs == 0));
            for (int j = 0; j < convs; j++) Unit(t, $"enc{i}.{convs + 1 + j}", n, cout, cout, 3, s2, s2);
            t.Conv($"enc{i}.shortcut", n, cin, cout, 3, s, s, s2, s2, inputGrad: !first);
            t.Sum($"enc{i} main + shortcut", n * cout * s2 * s2);
            s = s2;
        }
        t.Copy("flatten (channels-last → rows)", n * ch[4] * s * s);
        t.Linear("to code", n, ch[4] * s * s, latent).Linear("from code", n, latent, ch[4] * 16);
        t.Norm("row norm", n * ch[4] * 16);
        s = 4;
        for (int i = 4; i > 0; i--)
        {
            long cin = ch[i], cout = ch[i - 1], s2 = 2 * s + 1;
            if (i == 4) t.Copy("channels-last", n * cin * s * s);
            t.Fork($"dec{i} input → main, shortcut", n * cin * s * s);
            for (int j = 0; j < convs; j++) UnitT(t, $"dec{i}.{j}", n, cin, cin, s, s);
            UnitT(t, $"dec{i}.up", n, cin, cout, s, s2);
            for (int j = 0; j < convs; j++) UnitT(t, $"dec{i}.{convs + 1 + j}", n, cout, cout, s2, s2);
            t.ConvTranspose($"dec{i}.shortcut", n, cin, cout, 3, s, s, s2, s2);
            t.Sum($"dec{i} main + shortcut", n * cout * s2 * s2);
            s = s2;
        }
        t.Resize($"nearest {s}→{size}", n * 3 * s * s, img);
        t.Conv("1×1 out", n, 3, 3, 1, size, size, size, size).Activation("tanh", img);
        t.Elementwise("(y + 1) / 2", img, 4, 2).Loss("mse", img);
        return t.Optimizer("Adam", t.Parameters);
    }

    // conv → BatchNorm → LeakyReLU
    static void Unit(Traffic t, string name, long n, long cin, long cout, long k, long s, long s2, bool inputGrad = true)
    {
        long e = n * cout * s2 * s2;
        t.Conv(name, n, cin, cout, k, s, s, s2, s2, inputGrad: inputGrad).Norm(name + " batchnorm", e, cout).Activation(name + " leaky_relu", e);
    }

    static void UnitT(Traffic t, string name, long n, long cin, long cout, long s, long s2)
    {
        long e = n * cout * s2 * s2;
        t.ConvTranspose(name, n, cin, cout, 3, s, s, s2, s2).Norm(name + " batchnorm", e, cout).Activation(name + " leaky_relu", e);
    }

    // --- lesson 08: the conv VAE -----------------------------------------------------------------------------------

    /// <summary>ConvVae at <paramref name="size"/> px (see Cases.ConvVaeMacs): MSE(sum) + 0.1·KL(sum), AdamW.</summary>
    public static Traffic ConvVae(long n, int size)
    {
        var t = new Traffic();
        long img = n * 3 * size * size, s8 = size / 8, lat = n * 4 * s8 * s8;
        t.Grad = false;
        t.Copy("channels-last input", img);
        t.Grad = true;
        long[] enc = { 3, 64, 128, 256 };
        long s = size;
        for (int i = 0; i < 3; i++)
        {
            Unit(t, $"enc{i}", n, enc[i], enc[i + 1], 3, s, s / 2, inputGrad: i > 0);
            s /= 2;
        }
        t.Fork("h → μ, logvar", n * 256 * s8 * s8);
        t.Conv("fc_mu", n, 256, 4, 1, s8, s8, s8, s8).Conv("fc_var", n, 256, 4, 1, s8, s8, s8, s8);
        t.Copy("μ contiguous", lat).Copy("logvar contiguous", lat);
        Reparameterise(t, lat);
        t.Copy("z channels-last", lat);
        t.ConvTranspose("decoder input", n, 4, 256, 1, s8, s8, s8, s8);
        long[] dec = { 256, 128, 64, 3 };
        for (int i = 0; i < 3; i++)
        {
            long e = n * dec[i + 1] * 4 * s * s;
            t.ConvTranspose($"dec{i}", n, dec[i], dec[i + 1], 3, s, s, 2 * s, 2 * s).Norm($"dec{i} batchnorm", e, dec[i + 1]).Activation($"dec{i} leaky_relu", e);
            s *= 2;
        }
        t.Activation("tanh", img).Copy("contiguous output", img).Loss("mse (sum)", img);
        Kl(t, lat);
        return t.Optimizer("AdamW", t.Parameters);
    }

    // --- lessons 09–11: the VQ-GAN autoencoder, its discriminator, the MaskGIT prior ------------------------------

    const int VqSize = 32, VqChannels = 32, VqCodes = 256, VqCodeDim = 32;

    /// <summary>VQ-VAE baseline: the VQ-GAN autoencoder on L1 + codebook + 0.25 commitment, Adam.</summary>
    public static Traffic VqVae(long n)
    {
        var t = new Traffic();
        VqAutoencoder(t, n);
        long img = n * 3 * VqSize * VqSize;
        t.Elementwise("l1 = |recon − x|.mean()", img, 6, 3);
        t.Grad = false;
        t.Elementwise("mse (metric)", img, 6, 0);
        t.Grad = true;
        return t.Optimizer("Adam", t.Parameters);
    }

    /// <summary>
    /// VQ-GAN stage 1 (VqGanStep, GAN active): the generator update — autoencoder, L1, discriminator on the
    /// reconstruction (frozen weights) and on the originals (no_grad) for feature matching, the adaptive weight's two
    /// extra gradients to the decoder's last layer, one backward — then the discriminator's update on originals and
    /// detached reconstructions; Adam for both.
    /// </summary>
    public static Traffic VqGan(long n)
    {
        var t = new Traffic();
        VqAutoencoder(t, n);
        long aeParameters = t.Parameters;
        long img = n * 3 * VqSize * VqSize;
        var d = Discriminator(n);
        t.Elementwise("l1 = |recon − x|.mean()", img, 6, 3);
        t.Include(d, Traffic.Pass.Frozen, "D(recon), frozen");
        t.Include(d, Traffic.Pass.Forward, "D(x), no_grad");
        foreach (var (name, elements) in DiscriminatorFeatures(n))
            t.Fork($"feature {name} → next layer, matching", elements).Elementwise($"feature matching |{name}(x̂) − {name}(x)|.mean()", elements, 6, 3);
        // autograd.grad of the reconstruction terms and of the GAN term w.r.t. the decoder's last weight: each walks the
        // discriminator's input gradients again, then that layer's weight gradient.
        for (int k = 0; k < 2; k++)
        {
            t.Include(d, Traffic.Pass.Frozen, k == 0 ? "∂(l1 + matching)/∂w_last via D" : "∂g/∂w_last via D", backwardOnly: true);
            long px = n * VqSize * VqSize;
            t.WeightGradient("dec.out dW (adaptive weight)", 3 * px + px * VqChannels + 3 * VqChannels * 9 + 3);
        }
        t.Optimizer("Adam", aeParameters);
        t.Include(d, Traffic.Pass.Train, "D(x) update", inputNeedsGrad: false);
        t.Include(d, Traffic.Pass.Train, "D(recon.detach()) update", inputNeedsGrad: false);
        t.Optimizer("Adam", d.Parameters);
        t.Grad = false;
        t.Elementwise("mse (metric)", img, 6, 0);
        t.Grad = true;
        return t;
    }

    // A weight gradient on its own (dY and X read, dW written: their elements together), counted as backward traffic.
    static Traffic WeightGradient(this Traffic t, string name, long elements) => t.Elementwise(name, elements, 0, 1);

    /// <summary>VqGanModel(VectorQuantizer(256, 32), 32 channels, 2 downsamplings) on 32 px: encoder, quantiser, decoder.</summary>
    public static void VqAutoencoder(Traffic t, long n)
    {
        long s0 = VqSize, s1 = VqSize / 2, s2 = VqSize / 4;
        long w0 = VqChannels, w1 = 2 * VqChannels, w2 = 4 * VqChannels, dim = VqCodeDim, k = VqCodes;
        t.Conv("enc.in", n, 3, w0, 3, s0, s0, s0, s0, inputGrad: false);
        ResBlock(t, "enc.res0", n, w0, s0);
        t.Conv("enc.down0", n, w0, w1, 4, s0, s0, s1, s1);
        ResBlock(t, "enc.res1", n, w1, s1);
        t.Conv("enc.down1", n, w1, w2, 4, s1, s1, s2, s2);
        ResBlock(t, "enc.res2", n, w2, s2);
        t.Norm("enc.groupnorm", n * w2 * s2 * s2, w2).Activation("enc.silu", n * w2 * s2 * s2);
        t.Conv("enc.out", n, w2, dim, 1, s2, s2, s2, s2);

        long rows = n * s2 * s2, z = rows * dim;
        t.Grad = false;
        t.Elementwise("flatten", z, 2, 0).Elementwise("‖z‖²", z, 3, 0);
        t.Product("code search: distances", (double)rows * dim * k, z, k * dim, rows * k, 0);
        t.Elementwise("distance terms, argmin", rows * k, 7, 0);
        t.Grad = true;
        t.Embedding("codebook lookup", rows, dim, k).Copy("z_q contiguous", z);
        t.Loss("commitment mse(z, sg(z_q))", z).Loss("codebook mse(z_q, sg(z))", z);
        t.Elementwise("straight-through z + sg(z_q − z)", z, 6, 0).Fork("z → commitment, straight-through", z);

        t.Conv("dec.in", n, dim, w2, 3, s2, s2, s2, s2);
        ResBlock(t, "dec.res2", n, w2, s2);
        t.Resize("up 8→16", n * w2 * s2 * s2, n * w2 * s1 * s1).Conv("dec.conv1", n, w2, w1, 3, s1, s1, s1, s1);
        ResBlock(t, "dec.res1", n, w1, s1);
        t.Resize("up 16→32", n * w1 * s1 * s1, n * w1 * s0 * s0).Conv("dec.conv0", n, w1, w0, 3, s0, s0, s0, s0);
        ResBlock(t, "dec.res0", n, w0, s0);
        t.Norm("dec.groupnorm", n * w0 * s0 * s0, w0).Activation("dec.silu", n * w0 * s0 * s0);
        t.Conv("dec.out", n, w0, 3, 3, s0, s0, s0, s0);
    }

    // GroupNorm → SiLU → conv, twice, plus the input (same width: no shortcut conv).
    static void ResBlock(Traffic t, string name, long n, long c, long s)
    {
        long e = n * c * s * s;
        t.Fork(name + " input → main, sum", e);
        for (int i = 0; i < 2; i++)
            t.Norm($"{name}.groupnorm{i}", e, c).Activation($"{name}.silu{i}", e).Conv($"{name}.conv{i}", n, c, c, 3, s, s, s, s);
        t.Sum(name + " main + input", e);
    }

    /// <summary>PatchDiscriminator(3, 64, 3) on 32 px, as a net on its own (see VqCases.DiscriminatorMacs).</summary>
    public static Traffic Discriminator(long n)
    {
        var t = new Traffic();
        t.Conv("d0", n, 3, 64, 4, 32, 32, 16, 16).Activation("d0 leaky_relu", n * 64 * 16 * 16);
        (long cin, long cout, long s, long s2)[] layers = { (64, 128, 16, 8), (128, 256, 8, 4), (256, 512, 4, 3) };
        foreach (var (cin, cout, s, s2) in layers)
        {
            long e = n * cout * s2 * s2;
            t.Conv($"d {cin}→{cout}", n, cin, cout, 4, s, s, s2, s2, bias: false).Norm($"d {cout} batchnorm", e, cout).Activation($"d {cout} leaky_relu", e);
        }
        t.Conv("d head", n, 512, 1, 4, 3, 3, 2, 2);
        t.Elementwise("hinge / generator loss", n * 4, 3, 2);
        return t;
    }

    static IEnumerable<(string Name, long Elements)> DiscriminatorFeatures(long n) => new[]
    {
        ("d0", n * 64 * 16 * 16), ("d1", n * 128 * 8 * 8), ("d2", n * 256 * 4 * 4), ("d3", n * 512 * 3 * 3),
    };

    /// <summary>MaskGitPrior.WithTransformer(256, 8, 8): dim 128, 4 heads, 4 pre-norm layers, dropout 0.1; masked cross-entropy; Adam.</summary>
    public static Traffic MaskGit(long n, int codes = 256, int length = 64, int dim = 128, int heads = 4, int layers = 4)
    {
        var t = new Traffic();
        long vocab = codes + 1, r = n * length, x = r * dim, scores = n * heads * length * length, hd = dim / heads;
        t.Embedding("token embedding", r, dim, vocab).AddParameter("learned positions", x, (long)length * dim);
        t.Elementwise("dropout", x, 3, 3);
        for (int i = 0; i < layers; i++)
        {
            string p = $"block{i}";
            t.Fork(p + " x → attention, residual", x).Norm(p + ".norm1", x, dim).Elementwise(p + " normed x → q, k, v", x, 0, 6);
            t.Linear(p + ".q", r, dim, dim).Linear(p + ".k", r, dim, dim).Linear(p + ".v", r, dim, dim);
            t.Matmul(p + " q·kᵀ", n * heads, length, hd, length).Elementwise(p + " scale", scores, 2, 2).Activation(p + " softmax", scores);
            t.Elementwise(p + " attention weights kept (detach, clone)", scores, 2, 0);
            t.Matmul(p + " weights·v", n * heads, length, length, hd).Copy(p + " heads side by side", x);
            t.Linear(p + ".out", r, dim, dim).Elementwise(p + " dropout", x, 3, 3).Sum(p + " residual", x);
            t.Fork(p + " x → mlp, residual", x).Norm(p + ".norm2", x, dim);
            t.Linear(p + ".mlp1", r, dim, 4 * dim).Activation(p + " gelu", 4 * x).Linear(p + ".mlp2", r, 4 * dim, dim);
            t.Elementwise(p + " dropout", x, 3, 3).Sum(p + " residual", x);
        }
        t.Norm("final norm", x, dim).Linear("head", r, dim, vocab);
        t.Elementwise("narrow to codes, reshape", r * codes, 2, 2).Elementwise("narrow backward: zero-filled gradient", r * vocab, 0, 1);
        t.Elementwise("cross-entropy (log-softmax, nll)", r * codes, 3, 4);
        t.Grad = false;
        t.Elementwise("accuracy argmax", r * codes, 1, 0);
        t.Grad = true;
        return t.Optimizer("Adam", t.Parameters);
    }
}
