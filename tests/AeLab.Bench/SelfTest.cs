using static TorchSharp.torch;

namespace AeLab.Bench;

/// <summary>
/// Checks of the counting (not of any timing), run by <c>--selftest</c> and at the start of every <c>--quick</c> run:
/// the byte counter against a figure worked out by hand for a tiny model, and every case's layer walk against the
/// FLOP formula (same forward MACs) and against the built model (same parameter count).
/// </summary>
public static class SelfTest
{
    public static List<string> Run(TextWriter log)
    {
        var failures = new List<string>();
        void Check(bool ok, string what)
        {
            log.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}");
            if (!ok) failures.Add(what);
        }

        // One Linear(3 → 2) on a batch of 4 raw inputs, ReLU, MSE, Adam, float32:
        //   linear   forward  X 4·3 + W 3·2+2 + Y 4·2 = 28; backward: no dX (raw input), dW pass dY 8 + X 12 + dW 8 = 28
        //   relu     forward  8 + 8 = 16;                   backward dY, X, dX = 24
        //   mse      forward  prediction, target = 16;      backward both + gradient = 24
        //   Adam     8 parameters × (param, grad, m, v read; param, m, v written) = 56
        //   total 192 elements = 768 bytes; 24 MACs; 8 parameters. With a gradient for the input too: + dY 8, W 8, dX 12 = 880 bytes.
        var tiny = new Traffic().Linear("linear", 4, 3, 2, inputGrad: false).Activation("relu", 8).Loss("mse", 8);
        tiny.Optimizer("Adam", tiny.Parameters);
        Check(tiny.Bytes == 768, $"tiny Linear+ReLU+MSE+Adam moves 768 bytes by hand; counted {tiny.Bytes}");
        Check(tiny.ForwardMacs == 24 && tiny.Parameters == 8 && tiny.OptimizedParameters == 8, $"tiny model: 24 MACs, 8 parameters; counted {tiny.ForwardMacs}, {tiny.Parameters}");
        var withInputGrad = new Traffic().Linear("linear", 4, 3, 2).Activation("relu", 8).Loss("mse", 8);
        withInputGrad.Optimizer("Adam", withInputGrad.Parameters);
        Check(withInputGrad.Bytes == 880, $"same with an input gradient: 880 bytes; counted {withInputGrad.Bytes}");
        using (var linear = nn.Linear(3, 2))
            Check(linear.parameters().Sum(p => p.numel()) == tiny.Parameters, "nn.Linear(3, 2) has the walk's 8 parameters");
        var frozen = new Traffic().Include(new Traffic().Linear("linear", 4, 3, 2), Traffic.Pass.Frozen, "frozen");
        Check(frozen.Bytes == 4 * (28 + 28) && frozen.Parameters == 0, $"a frozen pass keeps forward and dX, drops dW: {4 * 56} bytes; counted {frozen.Bytes}");

        foreach (var c in Cases.All)
        {
            if (c.Walk == null) { Check(false, $"{c.Name}: no layer walk"); continue; }
            var walk = c.Walk(c.Batch);
            double formula = c.ForwardMacs(c.Batch);
            if (c.Name == "vq-gan-32")
            {
                var ae = new Traffic();
                Walks.VqAutoencoder(ae, c.Batch);
                double d = Walks.Discriminator(c.Batch).ForwardMacs;
                Check(Same(ae.ForwardMacs, VqCases.AutoencoderMacs(c.Batch)) && Same(d, VqCases.DiscriminatorMacs(c.Batch)),
                    $"{c.Name}: walk MACs of the autoencoder {ae.ForwardMacs:E4} and discriminator {d:E4} = formulas {VqCases.AutoencoderMacs(c.Batch):E4}, {VqCases.DiscriminatorMacs(c.Batch):E4}");
            }
            else
                Check(Same(walk.ForwardMacs, formula), $"{c.Name}: walk MACs {walk.ForwardMacs:E4} = FLOP formula {formula:E4}");
            long model;
            using (var built = c.Build()) model = built.Module.parameters().Sum(p => p.numel());
            Check(walk.OptimizedParameters == model, $"{c.Name}: walk updates {walk.OptimizedParameters} parameters, the model has {model}");
            Check(walk.Bytes > 0 && walk.Layers.All(l => l.Elements >= 0), $"{c.Name}: {walk.Bytes / 1e9:F3} GB a step over {walk.Layers.Count} layers (" +
                string.Join(", ", walk.BytesByKind().Where(k => k.Value > 0).Select(k => $"{k.Key} {k.Value / 1e9:F3}")) + ")");
        }
        // The kernel profile's log reading: oneDNN v3 (TorchSharp's libtorch), v2 (Debian's PyTorch) and MKL lines,
        // only those between the markers.
        var logged = KernelProfile.Parse(string.Join('\n',
            "onednn_verbose,v1,primitive,exec,cpu,convolution,brg:avx512_core,forward_training,src:f32::blocked:acdb::f0,,,mb16_ic3oc32,2.5",
            KernelProfile.Begin,
            "onednn_verbose,v1,primitive,exec,cpu,convolution,brg:avx512_core,forward_training,src:f32::blocked:acdb::f0,attr-scratchpad:user,,mb16_ic3oc32,1.25",
            "onednn_verbose,exec,cpu,convolution,jit:avx512_core,forward_training,src_f32::blocked:aBcd16b:f0,,alg:convolution_direct,mb16,0.75",
            "onednn_verbose,exec,cpu,reorder,jit:blk,undef,src_f32::blocked:abcd:f0,,,16x32x32x32,0.5",
            "MKL_VERBOSE SGEMM(N,N,2048,2048,2048,0x1,0x2,2048,0x3,2048,0x4,0x5,2048) 144.59us CNR:OFF Dyn:0 FastMM:1 TID:0  NThr:2",
            KernelProfile.End,
            "onednn_verbose,exec,cpu,reorder,jit:blk,undef,src_f32::blocked:abcd:f0,,,16x32x32x32,9"));
        double Logged(string name) => logged.FirstOrDefault(k => k.Name == name)?.Ms ?? double.NaN;
        Check(logged.Count == 3 && Same(Logged("oneDNN convolution forward training"), 2.0) && Same(Logged("oneDNN reorder (layout copies)"), 0.5)
              && Same(Logged("MKL SGEMM"), 0.14459), $"kernel profile reads 2 ms of convolution, 0.5 of reorder, 0.14459 of SGEMM between the markers; read {string.Join(", ", logged)}");
        return failures;
    }

    static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));
}
