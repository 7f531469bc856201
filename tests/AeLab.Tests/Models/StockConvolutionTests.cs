using System.Diagnostics;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Models;

/// <summary>
/// The tests below change libtorch's thread count, which is global to the process: they run on their own,
/// never alongside another test class.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    public const string Name = "libtorch thread count";
}

/// <summary>
/// Stress test of libtorch's own (stock) CPU convolutions in float32 — <c>nn.Conv2d</c>, <c>nn.ConvTranspose2d</c>
/// and <c>nn.functional.conv2d</c> / <c>conv_transpose2d</c> — against the same computation in float64: forward
/// output, input, weight and bias gradients, with NaN/Inf detection, on the few-channel shapes the course's
/// models use (and the ones once reported as faulty), at 1 and 2 threads, in NCHW and channels-last storage
/// (the permute trick of Layouts.ChannelsLast),
/// plus Adam training loops on small stock-layer conv autoencoders with every step's gradients recomputed in
/// float64.
/// </summary>
/// <remarks>
/// <para>
/// Inputs are drawn in float32 and widened to float64 exactly, so the two sides see the same numbers and differ
/// only in arithmetic. The float64 side is also a different implementation: libtorch sends float32 CPU
/// convolutions of these shapes to oneDNN (mkldnn), which has no float64, so float64 runs libtorch's native
/// im2col + GEMM kernels (slow_conv2d / slow_conv_transpose2d).
/// </para>
/// <para>
/// Error measure: max |float32 − float64| / scale, the scale being max |float64| of the same tensor for forward
/// outputs and input gradients, and the largest float64 gradient entry of the layer (weight and bias together)
/// for parameter gradients. Why the latter: a bias gradient of a 1- or 3-channel layer is one or three sums of
/// up to 10⁵ upstream-gradient values, which can nearly cancel (seen: 4.6 where such sums are typically ~300);
/// relative to itself the difference then measures that cancellation (2·10⁻⁴ seen) and not the kernel, whereas
/// the layer's gradient is the vector an optimiser step follows.
/// Tolerance 1e-4 for single layers. Forward values and input gradients are dot products of at most
/// in·k·k ≤ 4096 terms; weight and bias gradients reduce over batch × output pixels, up to ~10⁵ terms here. With
/// float32's unit roundoff u = 6·10⁻⁸ and the blocked accumulation of GEMM kernels and pairwise reductions,
/// honest rounding stays around u·√n times a small factor: over 1.6·10⁵ comparisons (1, 2 and 4 threads,
/// AVX-512 and AVX2 kernels) the worst values measured were 2.7·10⁻⁶ for forward outputs, 8.5·10⁻⁷ for input
/// gradients and 1.6·10⁻⁵ for the 10⁵-term parameter gradients (largest at 1 thread, where one thread sums
/// everything). 1e-4 leaves a margin of 6× above that, while the faults once reported (relative errors of
/// 0.5–0.9, NaN) exceed it 5000-fold. End to end through a whole net the tolerance is 1e-3 (see the training
/// test). Measured worst values are written to the test output.
/// </para>
/// <para>
/// <c>AELAB_STRESS_ITERATIONS=n</c> runs n iterations per layer test and 10·n Adam steps per training test
/// (default: 1 and 4);
/// <c>AELAB_STRESS_THREADS=1,2,4</c> sets the thread counts (default 1 and 2);
/// <c>AELAB_STRESS_REPORT=path</c> appends one tab-separated line per test (counts and worst errors) to that file.
/// oneDNN and libtorch pick their kernels by the CPU's instruction set (avx512_core on an AVX-512 CPU, shown by
/// <c>ONEDNN_VERBOSE=1</c>); <c>ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2</c>
/// runs the AVX2 kernels of an older CPU on the same machine.
/// </para>
/// </remarks>
[Collection(ThreadCountCollection.Name)]
public class StockConvolutionTests(ITestOutputHelper output)
{
    /// <summary>Tolerance for one layer's outputs and gradients (see the remarks).</summary>
    const double Tolerance = 1e-4;

    /// <summary>Tolerance for a whole net's loss and gradients against its float64 twin: each layer's float32
    /// activations carry their own rounding into the next, so errors compound (measured worst 6.4·10⁻⁵, a bias
    /// gradient, over 3200 steps).</summary>
    const double EndToEndTolerance = 1e-3;

    /// <summary>One convolution layer configuration. Size is the input's height and width.</summary>
    public sealed record ConvCase(string Name, bool Transposed, int In, int Out, int Kernel, int Stride, int Padding,
        int OutputPadding, int Size, int Batch);

    // Where each shape comes from: the layer in the library (stock layers there or the hand-written replacements,
    // whose remarks list the shapes where libtorch was once thought wrong) or the test that reported the fault.
    static readonly ConvCase[] Cases =
    {
        // Residual conv autoencoder (lesson 04, 64 px Pokémon): 3→3 stride-1 units, the unpadded stride-2 unit and
        // shortcut 3→32, the final 1×1 3→3; its decoder's transposed 32→3 (39 → 79 px) and 3→3 units at 79×79.
        new("conv 3→3 k3 s1 p1 64px", false, 3, 3, 3, 1, 1, 0, 64, 32),
        new("conv 3→32 k3 s2 p0 64px", false, 3, 32, 3, 2, 0, 0, 64, 32),
        new("conv 3→3 k1 s1 p0 64px", false, 3, 3, 1, 1, 0, 0, 64, 32),
        new("convT 32→3 k3 s2 p0 39px", true, 32, 3, 3, 2, 0, 0, 39, 32),
        new("convT 3→3 k3 s1 p1 79px", true, 3, 3, 3, 1, 1, 0, 79, 32),
        // Conv VAE (lesson 08, Pokémon at 64 and 128 px): first stride-2 block 3→64, the 1×1 heads 256→4 and the
        // 1×1 transposed 4→256 on the latent, the last transposed block 64→3 (stride 2, output padding 1).
        new("conv 3→64 k3 s2 p1 64px", false, 3, 64, 3, 2, 1, 0, 64, 32),
        new("conv 3→64 k3 s2 p1 128px", false, 3, 64, 3, 2, 1, 0, 128, 16),
        new("conv 256→4 k1 s1 p0 8px", false, 256, 4, 1, 1, 0, 0, 8, 16),
        new("convT 4→256 k1 s1 p0 8px", true, 4, 256, 1, 1, 0, 0, 8, 16),
        new("convT 64→3 k3 s2 p1 op1 32px", true, 64, 3, 3, 2, 1, 1, 32, 16),
        new("convT 64→3 k3 s2 p1 op1 64px", true, 64, 3, 3, 2, 1, 1, 64, 16),
        // VQ-VAE (lesson 09) on 28 px Fashion-MNIST and 64 px Pokémon: 1→32 / 3→32 k4 s2 encoder inputs, the
        // decoder's last 32→1 / 32→3 at full size, the 64→8 / 16→8 residual-stack convs reported NaN.
        new("conv 1→32 k4 s2 p1 28px", false, 1, 32, 4, 2, 1, 0, 28, 128),
        new("conv 3→32 k4 s2 p1 64px", false, 3, 32, 4, 2, 1, 0, 64, 32),
        new("conv 32→1 k3 s1 p1 28px", false, 32, 1, 3, 1, 1, 0, 28, 128),
        new("conv 32→3 k3 s1 p1 28px", false, 32, 3, 3, 1, 1, 0, 28, 128),
        new("conv 32→3 k3 s1 p1 64px", false, 32, 3, 3, 1, 1, 0, 64, 16),
        new("conv 64→8 k3 s1 p1 28px", false, 64, 8, 3, 1, 1, 0, 28, 64),
        new("conv 16→8 k3 s1 p1 7px", false, 16, 8, 3, 1, 1, 0, 7, 128),
        new("conv 8→16 k1 s1 p0 7px", false, 8, 16, 1, 1, 0, 0, 7, 128),
        // Fashion classifier's first layer (28 px), the 4→4 stride-1 layer from the remarks, PatchGAN's first
        // layer 3→64 k4 s2 (lesson 11, 32 px) and its last one to a single channel.
        new("conv 1→32 k3 s1 p1 28px", false, 1, 32, 3, 1, 1, 0, 28, 128),
        new("conv 4→4 k3 s1 p1 28px", false, 4, 4, 3, 1, 1, 0, 28, 128),
        new("conv 3→64 k4 s2 p1 32px", false, 3, 64, 4, 2, 1, 0, 32, 16),
        new("conv 256→1 k4 s1 p1 4px", false, 256, 1, 4, 1, 1, 0, 4, 16),
        // The small shapes of the tests that first reported the faults (17×17 batch 2, 5×5 transposed stride 1).
        new("conv 3→3 k3 s1 p1 17px", false, 3, 3, 3, 1, 1, 0, 17, 2),
        new("conv 4→4 k3 s1 p1 17px", false, 4, 4, 3, 1, 1, 0, 17, 2),
        new("conv 64→8 k3 s1 p1 17px", false, 64, 8, 3, 1, 1, 0, 17, 2),
        new("conv 16→3 k3 s2 p0 17px", false, 16, 3, 3, 2, 0, 0, 17, 2),
        new("convT 2→3 k3 s1 p1 5px", true, 2, 3, 3, 1, 1, 0, 5, 1),
        new("convT 4→3 k3 s2 p1 9px", true, 4, 3, 3, 2, 1, 0, 9, 2),
    };

    /// <summary>Thread counts to run at: 1 and 2, or the comma-separated list in AELAB_STRESS_THREADS.</summary>
    static readonly int[] ThreadCounts =
        (Environment.GetEnvironmentVariable("AELAB_STRESS_THREADS") ?? "1,2")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();

    /// <summary>Multiplier for iterations and steps (AELAB_STRESS_ITERATIONS), 1 by default.</summary>
    static int Scale => int.TryParse(Environment.GetEnvironmentVariable("AELAB_STRESS_ITERATIONS"), out var n) && n > 0 ? n : 1;

    public static IEnumerable<object[]> ConvCases() =>
        from c in Cases from t in ThreadCounts from cl in new[] { false, true }
        where !(cl && c.In == 1) // one input channel: channels-last is the same storage as NCHW
        select new object[] { c.Name, t, cl };

    /// <summary>Worst errors and counts of one test, by quantity (forward, input grad, weight grad, ...).</summary>
    sealed class Tally
    {
        public readonly Dictionary<string, double> Worst = new();
        public int Comparisons, NonFinite;
        public readonly List<string> Failures = new();

        /// <summary>
        /// Compares a float32 result with its float64 reference: max |difference| / scale, scale being
        /// max |reference| unless given (the layer's largest parameter gradient for parameter gradients).
        /// </summary>
        public void Add(string kind, Tensor actual32, Tensor expected64, string where, double tolerance, double? scale = null)
        {
            Comparisons++;
            using var _ = NewDisposeScope();
            long bad = (~isfinite(actual32)).sum().item<long>();
            long badRef = (~isfinite(expected64)).sum().item<long>();
            double s = scale ?? expected64.abs().max().item<double>();
            double err = bad > 0 ? double.PositiveInfinity
                : (actual32.to(float64) - expected64).abs().max().item<double>() / Math.Max(s, 1e-300);
            if (bad > 0) NonFinite++;
            Worst[kind] = Math.Max(Worst.GetValueOrDefault(kind), err);
            if (bad > 0 || badRef > 0 || !(err <= tolerance))
                Failures.Add($"{where} {kind}: relative error {err:E2} (tolerance {tolerance:E0}), {bad} non-finite float32 values, " +
                    $"{badRef} non-finite float64 values, scale {s:E2}");
        }

        /// <summary>Weight and bias gradients of one layer, measured against the layer's largest float64 gradient entry.</summary>
        public void AddParameters(string prefix, Tensor weightGrad32, Tensor biasGrad32, Tensor weightGrad64, Tensor biasGrad64,
            string where, double tolerance)
        {
            double scale = Math.Max(weightGrad64.abs().max().item<double>(), biasGrad64.abs().max().item<double>());
            Add(prefix + "weight grad", weightGrad32, weightGrad64, where, tolerance, scale);
            Add(prefix + "bias grad", biasGrad32, biasGrad64, where, tolerance, scale);
        }

        public string Summary() =>
            $"{Comparisons} comparisons, {NonFinite} with NaN/Inf; worst " +
            string.Join(", ", Worst.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value:E2}"));
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Stock_float32_convolution_matches_float64(string name, int threads, bool channelsLast)
    {
        var c = Cases.Single(k => k.Name == name);
        int iterations = Scale;
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        WithThreads(threads, () =>
        {
            for (int it = 0; it < iterations; it++)
            {
                using var _ = NewDisposeScope();
                long seed = StableSeed(name) + it;
                torch.manual_seed(seed);
                using var layer = MakeLayer(c);
                var w = layer.Weight.detach().clone();
                var b = layer.Bias.detach().clone();
                var x = randn(c.Batch, c.In, c.Size, c.Size);
                long outSize = c.Transposed
                    ? (c.Size - 1) * c.Stride - 2 * c.Padding + c.Kernel + c.OutputPadding
                    : (c.Size + 2 * c.Padding - c.Kernel) / c.Stride + 1;
                var g = randn(c.Batch, c.Out, outSize, outSize);

                // float64 reference, always in plain NCHW storage.
                var x64 = x.to(float64).requires_grad_();
                var w64 = w.to(float64).requires_grad_();
                var b64 = b.to(float64).requires_grad_();
                var y64 = Functional(c, x64, w64, b64);
                (y64 * g.to(float64)).sum().backward();

                var xIn = channelsLast ? ChannelsLast(x) : x;
                var gIn = channelsLast ? ChannelsLast(g) : g;
                if (channelsLast) Assert.Equal(1L, xIn.stride(1));
                string where = $"iteration {it} (seed {seed})";

                // The module, as the models use it.
                layer.zero_grad();
                var xm = xIn.clone().requires_grad_();
                if (channelsLast) Assert.Equal(1L, xm.stride(1));
                var ym = layer.Forward(xm);
                (ym * gIn).sum().backward();
                tally.Add("forward", ym, y64, where + " module", Tolerance);
                tally.Add("input grad", xm.grad!, x64.grad!, where + " module", Tolerance);
                tally.AddParameters("", layer.Weight.grad!, layer.Bias.grad!, w64.grad!, b64.grad!, where + " module", Tolerance);

                // The functional form, with the weight in the same storage as the input.
                var xf = xIn.clone().requires_grad_();
                var wf = (channelsLast ? ChannelsLast(w) : w.clone()).requires_grad_();
                var bf = b.clone().requires_grad_();
                var yf = Functional(c, xf, wf, bf);
                (yf * gIn).sum().backward();
                tally.Add("forward", yf, y64, where + " functional", Tolerance);
                tally.Add("input grad", xf.grad!, x64.grad!, where + " functional", Tolerance);
                tally.AddParameters("", wf.grad!, bf.grad!, w64.grad!, b64.grad!, where + " functional", Tolerance);
            }
        });
        Report($"{name}\tthreads {threads}\t{(channelsLast ? "channels-last" : "NCHW")}\t{iterations} iterations", tally, clock);
    }

    /// <summary>A stock layer and its parameters.</summary>
    sealed class Layer(nn.Module<Tensor, Tensor> module, Parameter weight, Parameter bias) : IDisposable
    {
        public Parameter Weight => weight;
        public Parameter Bias => bias;
        public Tensor Forward(Tensor x) => module.forward(x);
        public void zero_grad() => module.zero_grad();
        public void Dispose() => module.Dispose();
    }

    static Layer MakeLayer(ConvCase c)
    {
        if (c.Transposed)
        {
            var t = nn.ConvTranspose2d(c.In, c.Out, c.Kernel, stride: c.Stride, padding: c.Padding, output_padding: c.OutputPadding);
            return new Layer(t, t.weight!, t.bias!);
        }
        var m = nn.Conv2d(c.In, c.Out, c.Kernel, stride: c.Stride, padding: c.Padding);
        return new Layer(m, m.weight!, m.bias!);
    }

    static Tensor Functional(ConvCase c, Tensor x, Tensor w, Tensor b) => c.Transposed
        ? nn.functional.conv_transpose2d(x, w, b, new long[] { c.Stride, c.Stride }, new long[] { c.Padding, c.Padding },
            new long[] { c.OutputPadding, c.OutputPadding })
        : nn.functional.conv2d(x, w, b, new long[] { c.Stride, c.Stride }, new long[] { c.Padding, c.Padding });

    /// <summary>A small autoencoder of stock layers with few channels, for the training loops.</summary>
    public sealed record NetCase(string Name, int Channels, int Size, int Batch);

    static readonly NetCase[] Nets =
    {
        new("fashion 1ch 28px", 1, 28, 64),
        new("pokemon 3ch 64px", 3, 64, 16),
    };

    /// <summary>The permute trick of ConvVae.ChannelsLast as a layer (the layers after it keep that storage);
    /// inactive, it passes its input on (so a twin keeps the same layer indices in plain storage).</summary>
    sealed class ToChannelsLast(bool active) : nn.Module<Tensor, Tensor>(nameof(ToChannelsLast))
    {
        public override Tensor forward(Tensor x) => active ? ChannelsLast(x) : x.alias();
    }

    /// <summary>The net's layers; channels-last puts the activations in that storage (after the first conv when
    /// the input has one channel, where both storages coincide); the float64 twin stays in plain storage.</summary>
    static List<nn.Module<Tensor, Tensor>> MakeNet(NetCase n, bool channelsLast, bool twin = false)
    {
        var layers = MakeLayers(n);
        if (channelsLast) layers.Insert(n.Channels == 1 ? 2 : 0, new ToChannelsLast(active: !twin));
        return layers;
    }

    static List<nn.Module<Tensor, Tensor>> MakeLayers(NetCase n) => n.Channels == 1
        // 28 → 28 → 14 → 7 → 14 → 28 → 28, widths 1-4-8-8-8-4-1.
        ? new()
        {
            nn.Conv2d(1, 4, 3, padding: 1), nn.SiLU(),
            nn.Conv2d(4, 8, 4, stride: 2, padding: 1), nn.SiLU(),
            nn.Conv2d(8, 8, 4, stride: 2, padding: 1), nn.SiLU(),
            nn.ConvTranspose2d(8, 8, 4, stride: 2, padding: 1), nn.SiLU(),
            nn.ConvTranspose2d(8, 4, 4, stride: 2, padding: 1), nn.SiLU(),
            nn.Conv2d(4, 1, 3, padding: 1), nn.Sigmoid(),
        }
        // 64 → 64 → 31 → 15 → 31 → 64 → 64 (the residual AE's unpadded stride-2 steps, the conv VAE's output
        // padding), widths 3-3-8-8-8-3-3. Smooth activations, so float32 and float64 cannot take different
        // branches of a kink. No BatchNorm: its backward removes the mean and the x̂-component of the gradient,
        // so the preceding conv's gradient is a small difference of large terms, and float32 vs float64 would
        // then measure that cancellation (1e-4 relative seen) rather than the convolution kernels.
        : new()
        {
            nn.Conv2d(3, 3, 3, padding: 1), nn.SiLU(),
            nn.Conv2d(3, 8, 3, stride: 2), nn.SiLU(),
            nn.Conv2d(8, 8, 3, stride: 2), nn.SiLU(),
            nn.ConvTranspose2d(8, 8, 3, stride: 2), nn.SiLU(),
            nn.ConvTranspose2d(8, 3, 3, stride: 2, output_padding: 1), nn.SiLU(),
            nn.ConvTranspose2d(3, 3, 3, padding: 1), nn.Sigmoid(),
        };

    static (Parameter Weight, Parameter Bias)? ConvParameters(nn.Module<Tensor, Tensor> layer) => layer switch
    {
        Conv2d c => (c.weight!, c.bias!),
        ConvTranspose2d t => (t.weight!, t.bias!),
        _ => null,
    };

    public static IEnumerable<object[]> NetCases() =>
        from n in Nets from t in ThreadCounts from cl in new[] { false, true } select new object[] { n.Name, t, cl };

    /// <summary>
    /// Adam training of a stock-layer conv autoencoder. Every step, each conv layer's forward output, input
    /// gradient and parameter gradients from the float32 training pass are checked against that layer recomputed
    /// in float64 from the same input and upstream gradient (tolerance as for single layers); and a float64 twin
    /// of the whole net with the current weights copied in checks the loss and all gradients end to end (looser
    /// tolerance: there, float32 rounding of every layer's activations compounds through the net).
    /// </summary>
    [Theory]
    [MemberData(nameof(NetCases))]
    public void Training_steps_of_a_stock_conv_autoencoder_match_float64(string name, int threads, bool channelsLast)
    {
        var n = Nets.Single(k => k.Name == name);
        int steps = Scale == 1 ? 4 : 10 * Scale; // the suite's 4 steps keep it well inside a minute
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        WithThreads(threads, () =>
        {
            torch.manual_seed(StableSeed(name));
            var net = MakeNet(n, channelsLast);
            var twin = MakeNet(n, channelsLast, twin: true);
            try
            {
                foreach (var layer in twin) layer.to(float64);
                var convs = net.Select(ConvParameters).ToArray();
                var twinConvs = twin.Select(ConvParameters).ToArray();
                using var adam = optim.Adam(net.SelectMany(l => l.parameters()), lr: 2e-3);
                for (int step = 0; step < steps; step++)
                {
                    using var _ = NewDisposeScope();
                    // Smooth image-like batches in [0,1]: low-resolution noise, upsampled.
                    var low = rand(n.Batch, n.Channels, n.Size / 4, n.Size / 4);
                    var x = nn.functional.interpolate(low, new long[] { n.Size, n.Size }, mode: InterpolationMode.Bilinear, align_corners: false);
                    if (channelsLast) x = ChannelsLast(x);

                    // float32 training pass, keeping each conv's input and output (and their gradients).
                    adam.zero_grad();
                    var x32 = x.clone().requires_grad_();
                    var inputs = new Tensor?[net.Count];
                    var outputs = new Tensor?[net.Count];
                    Tensor h = x32;
                    for (int i = 0; i < net.Count; i++)
                    {
                        if (convs[i] != null) { inputs[i] = h; if (!ReferenceEquals(h, x32)) h.retain_grad(); }
                        h = net[i].forward(h);
                        if (convs[i] != null) { outputs[i] = h; h.retain_grad(); }
                    }
                    if (channelsLast && n.Channels > 1) Assert.Equal(1L, h.stride(1)); // the storage went through all layers
                    var loss32 = nn.functional.mse_loss(h, x.detach());
                    loss32.backward();

                    // The float64 twin, end to end, with the current weights.
                    using (no_grad())
                        for (int i = 0; i < net.Count; i++)
                            if (convs[i] is (var w, var b))
                            {
                                twinConvs[i]!.Value.Weight.copy_(w);
                                twinConvs[i]!.Value.Bias.copy_(b);
                            }
                    foreach (var layer in twin) layer.zero_grad();
                    var x64 = x.to(float64).contiguous().requires_grad_();
                    Tensor h64 = x64;
                    foreach (var layer in twin) h64 = layer.forward(h64);
                    var loss64 = nn.functional.mse_loss(h64, x64.detach());
                    loss64.backward();
                    string where = $"step {step}";
                    tally.Add("net loss", loss32, loss64, where, EndToEndTolerance);
                    tally.Add("net input grad", x32.grad!, x64.grad!, where, EndToEndTolerance);
                    for (int i = 0; i < net.Count; i++)
                        if (convs[i] is (var w, var b))
                            tally.AddParameters("net ", w.grad!, b.grad!, twinConvs[i]!.Value.Weight.grad!, twinConvs[i]!.Value.Bias.grad!,
                                $"{where} layer {i}", EndToEndTolerance);

                    // Each conv layer alone, in float64 from the float32 pass's own input and upstream gradient.
                    foreach (var layer in twin) layer.zero_grad();
                    for (int i = 0; i < net.Count; i++)
                    {
                        if (convs[i] is not (var w, var b)) continue;
                        var (w64, b64) = twinConvs[i]!.Value;
                        var in64 = inputs[i]!.detach().to(float64).contiguous().requires_grad_();
                        var y64 = twin[i].forward(in64);
                        (y64 * outputs[i]!.grad!.to(float64).contiguous()).sum().backward();
                        string at = $"{where} layer {i}";
                        tally.Add("forward", outputs[i]!, y64, at, Tolerance);
                        tally.Add("input grad", inputs[i]!.grad!, in64.grad!, at, Tolerance);
                        tally.AddParameters("", w.grad!, b.grad!, w64.grad!, b64.grad!, at, Tolerance);
                    }
                    adam.step();
                }
            }
            finally
            {
                foreach (var layer in net.Concat(twin)) layer.Dispose();
            }
        });
        Report($"{name}\tthreads {threads}\t{(channelsLast ? "channels-last" : "NCHW")}\t{steps} Adam steps", tally, clock);
    }

    static Tensor ChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    static void WithThreads(int threads, Action body)
    {
        AeLab.Runtime.NativeLoader.EnsureLoaded();
        int before = torch.get_num_threads();
        torch.set_num_threads(threads);
        try
        {
            Assert.Equal(threads, torch.get_num_threads());
            body();
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    /// <summary>A seed from the case name that is the same in every process (string.GetHashCode is not).</summary>
    static long StableSeed(string name)
    {
        uint h = 2166136261;
        foreach (byte ch in Encoding.UTF8.GetBytes(name)) h = (h ^ ch) * 16777619;
        return (h & 0x7fffffff) * 1000L;
    }

    static readonly string[] ReportedKinds =
        { "forward", "input grad", "weight grad", "bias grad", "net loss", "net input grad", "net weight grad", "net bias grad" };

    void Report(string what, Tally tally, Stopwatch clock)
    {
        string line = $"{what}\t{tally.Summary()}\t{clock.Elapsed.TotalSeconds:F2} s";
        output.WriteLine(line);
        var path = Environment.GetEnvironmentVariable("AELAB_STRESS_REPORT");
        if (!string.IsNullOrEmpty(path))
        {
            var fields = ReportedKinds.Select(k => tally.Worst.TryGetValue(k, out var v) ? v.ToString("E3") : "-");
            lock (ReportedKinds)
                File.AppendAllText(path, $"{what}\t{tally.Comparisons}\t{tally.NonFinite}\t{tally.Failures.Count}\t{string.Join("\t", fields)}\t{clock.Elapsed.TotalSeconds:F2}\n");
        }
        Assert.True(tally.Failures.Count == 0,
            $"{tally.Failures.Count} of {tally.Comparisons} comparisons off:\n" + string.Join("\n", tally.Failures.Take(10)));
    }
}
