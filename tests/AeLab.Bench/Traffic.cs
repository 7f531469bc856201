namespace AeLab.Bench;

/// <summary>
/// Counting the bytes a training step moves, layer by layer, from the layer shapes (the companion of <see cref="Flops"/>):
/// the activations and gradients every layer reads and writes, including normalisation, activations, element-wise
/// layers, losses and the optimizer's update. float32, 4 bytes per element. Per layer, with X its input, W its
/// weights (bias included), Y its output and E the elements of an element-wise layer's tensor:
/// <list type="bullet">
/// <item>matrix products (linear, convolution, transposed convolution, attention products, the code search): forward
/// reads X and W and writes Y; backward reads dY, W and writes dX (the input gradient), then reads dY, X and writes dW
/// (the weight gradient) — two passes, as libtorch computes them. im2col or fold buffers of a particular
/// implementation are not counted: what a product must move is its operands and its result;</item>
/// <item>normalisation (BatchNorm, GroupNorm, LayerNorm, per-row norm): forward reads X twice (statistics, then
/// normalising) and writes Y (3E); backward reads dY and X for its two reductions and again to write dX (5E);</item>
/// <item>activations (ReLU, LeakyReLU, SiLU, GELU, Tanh, sigmoid): forward reads X, writes Y (2E); backward reads dY
/// and X, writes dX (3E);</item>
/// <item>a residual sum reads both terms and writes the sum (3E), its gradient goes to both unchanged; the tensor that
/// fed both branches sums their gradients (3E). Layout copies (channels-last, contiguous) read and write (2E each way);
/// nearest upsampling reads its input and writes its output (and the reverse backward); other element-wise
/// expressions count each tensor they read or write;</item>
/// <item>losses read prediction and target (2E) and, backward, both again and write the prediction's gradient (3E);</item>
/// <item>the optimizer: Adam and AdamW read parameter, gradient and both moments and write parameter and both moments
/// (7 × parameters); SGD reads parameter and gradient and writes the parameter (3 ×).</item>
/// </list>
/// Gradients that autograd does not compute are not counted: nothing before the first layer with weights (the input
/// needs no gradient), the first product's dX, no_grad passes (code search, metrics), and dW of frozen weights.
/// Every pass streams its tensors through memory once: caches and fusion are ignored, so this is the traffic of the
/// step's layers as separate operations, which bytes ÷ bandwidth turns into the time memory alone would need.
/// </summary>
public sealed class Traffic
{
    public const int BytesPerElement = 4;

    public enum Kind { Product, Norm, Activation, Elementwise, Layout, Loss, Optimizer }

    /// <summary>How a net is run inside a step.</summary>
    public enum Pass
    {
        /// <summary>Forward and backward, gradients for inputs and weights.</summary>
        Train,
        /// <summary>Forward only (no_grad, or an output nobody differentiates).</summary>
        Forward,
        /// <summary>Forward and backward for the input's gradient only (weights frozen).</summary>
        Frozen,
    }

    /// <summary>One layer: forward multiply-accumulates, and elements moved forward, backward for the input, backward for the weights.</summary>
    public sealed record Layer(string Name, Kind Kind, double Macs, double Forward, double InputGrad, double WeightGrad, long Parameters)
    {
        public double Elements => Forward + InputGrad + WeightGrad;
        public double Bytes => BytesPerElement * Elements;
        /// <summary>FLOPs of the passes this layer actually runs (2 per MAC per pass).</summary>
        public double Flops => 2 * Macs * ((Forward > 0 ? 1 : 0) + (InputGrad > 0 ? 1 : 0) + (WeightGrad > 0 ? 1 : 0));
    }

    readonly List<Layer> layers = new();
    public IReadOnlyList<Layer> Layers => layers;

    /// <summary>Layers added while false get no backward at all (they act on tensors that need no gradient).</summary>
    public bool Grad { get; set; } = true;

    /// <summary>Forward multiply-accumulates of every product layer run forward (the <see cref="Flops"/> count of the same layers).</summary>
    public double ForwardMacs => layers.Where(l => l.Forward > 0).Sum(l => l.Macs);
    public long Parameters => layers.Sum(l => l.Parameters);
    /// <summary>Parameters the optimizer layers update (checked against the model's own count).</summary>
    public long OptimizedParameters { get; private set; }
    public double Bytes => layers.Sum(l => l.Bytes);
    public double ForwardBytes => BytesPerElement * layers.Where(l => l.Kind != Kind.Optimizer).Sum(l => l.Forward);
    public double BackwardBytes => BytesPerElement * layers.Sum(l => l.InputGrad + l.WeightGrad);
    public double OptimizerBytes => BytesPerElement * layers.Where(l => l.Kind == Kind.Optimizer).Sum(l => l.Forward);

    public IReadOnlyDictionary<string, double> BytesByKind() =>
        Enum.GetValues<Kind>().ToDictionary(k => k.ToString().ToLowerInvariant(), k => layers.Where(l => l.Kind == k).Sum(l => l.Bytes));

    /// <summary>Σ over layers of max(FLOPs ÷ peak, bytes ÷ bandwidth): no layer overlaps its arithmetic with another's traffic.</summary>
    public double LayerwiseSeconds(double peakFlops, double bytesPerSecond) =>
        layers.Sum(l => Math.Max(l.Flops / peakFlops, l.Bytes / bytesPerSecond));

    Traffic Add(string name, Kind kind, double macs, double forward, double inputGrad, double weightGrad, long parameters = 0)
    {
        if (!Grad) (inputGrad, weightGrad) = (0, 0);
        layers.Add(new Layer(name, kind, macs, forward, inputGrad, weightGrad, parameters));
        return this;
    }

    /// <summary>A matrix product: X [x elements] times W [w] gives Y [y]; <paramref name="inputGrad"/> false for the first layer on the raw input.</summary>
    public Traffic Product(string name, double macs, double x, double w, double y, long parameters, bool inputGrad = true) =>
        Add(name, Kind.Product, macs, x + w + y, inputGrad ? y + w + x : 0, y + x + w, parameters);

    public Traffic Linear(string name, long rows, long fin, long fout, bool bias = true, bool inputGrad = true) =>
        Product(name, Flops.Linear(rows, fin, fout), rows * fin, fin * fout + (bias ? fout : 0), rows * fout, fin * fout + (bias ? fout : 0), inputGrad);

    /// <summary>A k×k convolution [n, cin, ih, iw] → [n, cout, oh, ow].</summary>
    public Traffic Conv(string name, long n, long cin, long cout, long k, long ih, long iw, long oh, long ow, bool bias = true, bool inputGrad = true)
    {
        long w = cout * cin * k * k + (bias ? cout : 0);
        return Product(name, Flops.Conv(n, cin, cout, k, oh, ow), n * cin * ih * iw, w, n * cout * oh * ow, w, inputGrad);
    }

    /// <summary>A k×k transposed convolution [n, cin, ih, iw] → [n, cout, oh, ow].</summary>
    public Traffic ConvTranspose(string name, long n, long cin, long cout, long k, long ih, long iw, long oh, long ow, bool bias = true)
    {
        long w = cin * cout * k * k + (bias ? cout : 0);
        return Product(name, Flops.ConvTranspose(n, cin, cout, k, ih, iw), n * cin * ih * iw, w, n * cout * oh * ow, w);
    }

    /// <summary>Batched products of two activations, [b, m, k] · [b, k, n] (attention); both operands get gradients.</summary>
    public Traffic Matmul(string name, long b, long m, long k, long n) =>
        Product(name, (double)b * m * k * n, b * m * k, b * k * n, b * m * n, 0);

    /// <summary>A normalisation layer over <paramref name="elements"/> with <paramref name="affine"/> scale-and-shift pairs (0 = none).</summary>
    public Traffic Norm(string name, long elements, long affine = 0) => Add(name, Kind.Norm, 0, 3 * elements, 5 * elements, 0, 2 * affine);

    public Traffic Activation(string name, long elements) => Add(name, Kind.Activation, 0, 2 * elements, 3 * elements, 0);

    /// <summary>a + b (the residual sum): reads both, writes one; the gradient passes to both unchanged.</summary>
    public Traffic Sum(string name, long elements) => Add(name, Kind.Elementwise, 0, 3 * elements, 0, 0);

    /// <summary>A tensor used by two branches: backward adds their gradients.</summary>
    public Traffic Fork(string name, long elements) => Add(name, Kind.Elementwise, 0, 0, 3 * elements, 0);

    /// <summary>A layout change (channels-last or back to contiguous): a copy each way.</summary>
    public Traffic Copy(string name, long elements) => Add(name, Kind.Layout, 0, 2 * elements, 2 * elements, 0);

    /// <summary>Nearest resizing [in elements] → [out elements]; backward scatters the gradient back.</summary>
    public Traffic Resize(string name, long inElements, long outElements) => Add(name, Kind.Elementwise, 0, inElements + outElements, outElements + inElements, 0);

    /// <summary>Any other element-wise expression: how many tensors of <paramref name="elements"/> it reads or writes forward and backward.</summary>
    public Traffic Elementwise(string name, long elements, int forwardTensors, int backwardTensors) =>
        Add(name, Kind.Elementwise, 0, forwardTensors * (double)elements, backwardTensors * (double)elements, 0);

    /// <summary>Embedding lookup of <paramref name="rows"/> tokens: gathers and writes rows × dim; backward reads dY and writes the dense table gradient.</summary>
    public Traffic Embedding(string name, long rows, long dim, long vocab) =>
        Add(name, Kind.Elementwise, 0, 2 * rows * dim, 0, rows * dim + vocab * dim, vocab * dim);

    /// <summary>A learned tensor added to activations (positions): a sum forward; backward reads dY, writes its gradient.</summary>
    public Traffic AddParameter(string name, long elements, long parameters) =>
        Add(name, Kind.Elementwise, 0, 3 * elements, 0, elements + parameters, parameters);

    /// <summary>A loss over <paramref name="elements"/> predictions and targets.</summary>
    public Traffic Loss(string name, long elements) => Add(name, Kind.Loss, 0, 2 * elements, 3 * elements, 0);

    /// <summary>The update of <paramref name="parameters"/> weights ("Adam", "AdamW" or "SGD").</summary>
    public Traffic Optimizer(string kind, long parameters)
    {
        int tensors = kind switch { "Adam" or "AdamW" => 7, "SGD" => 3, _ => throw new ArgumentException($"Unknown optimizer '{kind}'.", nameof(kind)) };
        OptimizedParameters += parameters;
        layers.Add(new Layer(kind, Kind.Optimizer, 0, tensors * (double)parameters, 0, 0, 0));
        return this;
    }

    /// <summary>
    /// Appends another walk (a net walked on its own, its input needing a gradient) run as <paramref name="pass"/>; its
    /// parameters are not counted again. <paramref name="inputNeedsGrad"/> false: nothing before its first product has a
    /// backward, and that product no input gradient. <paramref name="backwardOnly"/>: only the backward part (a second
    /// gradient through a graph whose forward was counted already, as autograd.grad does).
    /// </summary>
    public Traffic Include(Traffic net, Pass pass, string prefix, bool inputNeedsGrad = true, bool backwardOnly = false)
    {
        bool flowing = inputNeedsGrad;
        foreach (var l in net.layers)
        {
            if (l.Kind == Kind.Optimizer) throw new ArgumentException("Include nets, not whole steps.", nameof(net));
            var (ig, wg) = pass switch { Pass.Train => (l.InputGrad, l.WeightGrad), Pass.Frozen => (l.InputGrad, 0.0), _ => (0.0, 0.0) };
            if (!flowing)
            {
                ig = 0;
                if (l.Kind != Kind.Product && l.Parameters == 0) wg = 0;
                if (l.Kind == Kind.Product) flowing = true;
            }
            if (!Grad) (ig, wg) = (0, 0);
            layers.Add(l with { Name = $"{prefix}/{l.Name}", Forward = backwardOnly ? 0 : l.Forward, InputGrad = ig, WeightGrad = wg, Parameters = 0 });
        }
        return this;
    }
}
