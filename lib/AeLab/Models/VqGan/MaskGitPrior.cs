using AeLab.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// Stage 2 of VQ-GAN as MaskGIT (Chang et al. 2022) trains it: a bidirectional network over the code map of an
/// image, flattened to L = H·W tokens. Training replaces a random fraction of the tokens by an extra [MASK]
/// token (the fraction drawn through a cosine schedule) and scores the network by cross-entropy on the masked
/// positions only. Sampling starts from an all-[MASK] map and, in a few steps, keeps the predictions the network
/// is most confident about and re-masks the rest.
/// </summary>
/// <remarks>
/// The network maps tokens [B, L] (values 0…K, K = [MASK]) to logits [B, L, K + 1]; the logit of [MASK] itself
/// is ignored. Any such network works; <see cref="WithTransformer"/> builds the course's TokenTransformer.
/// </remarks>
public sealed partial class MaskGitPrior : nn.Module<Tensor, Tensor>, IPrior
{
    readonly nn.Module<Tensor, Tensor> network;

    public int CodebookSize { get; }
    public int Height { get; }
    public int Width { get; }
    public int Length => Height * Width;
    public (int Height, int Width) MapSize => (Height, Width);

    /// <summary>The [MASK] token: one past the last code.</summary>
    public int MaskToken => CodebookSize;

    public MaskGitPrior(nn.Module<Tensor, Tensor> network, int codebookSize, int height, int width) : base(nameof(MaskGitPrior))
    {
        ArgumentNullException.ThrowIfNull(network);
        if (codebookSize < 2) throw new ArgumentOutOfRangeException(nameof(codebookSize), codebookSize, "codebookSize must be at least 2.");
        if (height < 1 || width < 1) throw new ArgumentException($"The code map must be at least 1×1; got {height}×{width}.");
        this.network = network;
        CodebookSize = codebookSize; Height = height; Width = width;
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor> Network => network;

    /// <summary>Logits over the K codes (the [MASK] logit dropped), [B, L, K], for tokens [B, L] or [B, H, W].</summary>
    public override Tensor forward(Tensor tokens)
    {
        var flat = Flatten(tokens, nameof(tokens));
        var logits = network.forward(flat);
        if (logits.dim() != 3 || logits.shape[2] < CodebookSize)
            throw new InvalidOperationException($"The network must return logits [B, L, {CodebookSize + 1}]; it returned [{string.Join(", ", logits.shape)}].");
        return logits.narrow(2, 0, CodebookSize);
    }

    /// <summary>MaskGIT's cosine schedule: the fraction of tokens masked, γ(r) = cos(πr/2), r ∈ [0, 1].
    /// r near 0 masks almost everything (the start of sampling), r = 1 nothing.</summary>
    public static double MaskRatio(double r)
    {
        if (r < 0 || r > 1 || double.IsNaN(r)) throw new ArgumentOutOfRangeException(nameof(r), r, "r must be in [0, 1].");
        return Math.Cos(Math.PI / 2 * r);
    }

    /// <summary>
    /// Masks each row of <paramref name="tokens"/> [B, L] (or [B, H, W]): draws r ~ U[0, 1) per row (or uses
    /// <paramref name="r"/>, [B]), masks ⌈γ(r)·L⌉ positions (at least 1) chosen at random and returns the
    /// masked tokens [B, L] and the mask [B, L] (true = replaced by [MASK]).
    /// </summary>
    public (Tensor Input, Tensor Mask) Mask(Tensor tokens, Tensor? r = null)
    {
        var flat = Flatten(tokens, nameof(tokens));
        long b = flat.shape[0], l = flat.shape[1];
        r ??= rand(b, device: flat.device, dtype: float64);
        if (r.shape.Length != 1 || r.shape[0] != b) throw new ArgumentException($"r must have one value per row, [{b}]; got [{string.Join(", ", r.shape)}].", nameof(r));
        var counts = (r.to(float64) * (Math.PI / 2)).cos().mul(l).ceil().clamp(1, l).to(int64);     // [B]
        var rank = rand(b, l, device: flat.device).argsort(1).argsort(1);                           // a random permutation per row
        var mask = rank.lt(counts.unsqueeze(1));
        var input = flat.masked_fill(mask, MaskToken);
        return (input, mask);
    }

    /// <summary>
    /// Masked-token cross-entropy for code maps <paramref name="indices"/> [B, H, W]: mean over the masked positions
    /// of −log p(original code | visible tokens), in nats per token. Metrics: "ce" (the same) and "accuracy" on masked positions.
    /// </summary>
    public LossOutput Loss(Tensor indices, Tensor? r = null)
    {
        var target = ModuleExtensions.CodeTargets(indices, Height, Width, CodebookSize, nameof(MaskGitPrior), nameof(indices));
        var (input, mask) = Mask(target, r);
        var logits = forward(input);                                                             // [B, L, K]
        var ce = nn.functional.cross_entropy(logits.reshape(-1, CodebookSize), target.reshape(-1), reduction: nn.Reduction.None)
                   .reshape(target.shape);
        var m = mask.to(ce.dtype);
        var loss = (ce * m).sum() / m.sum();
        var correct = (logits.argmax(2).eq(target).to(ce.dtype) * m).sum() / m.sum();
        return new LossOutput(loss, new Dictionary<string, Tensor> { ["ce"] = loss.detach(), ["accuracy"] = correct.detach() });
    }

    /// <summary>
    /// −log p per code in nats for each code map [B, H, W] → [B], when the network reveals the map one token at a time
    /// in raster order: p(c) = Π_i p(c_i | c_&lt;i visible, c_≥i masked). MaskGIT's training loss is a cross-entropy
    /// on masked tokens, not a likelihood; this chain is a normalised distribution over whole maps built from the same
    /// network, so its value compares with an autoregressive prior's negative log-likelihood. L passes of the network.
    /// </summary>
    public Tensor NegativeLogLikelihood(Tensor codes)
    {
        var target = ModuleExtensions.CodeTargets(codes, Height, Width, CodebookSize, nameof(MaskGitPrior), nameof(codes));
        long b = target.shape[0];
        bool wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            var total = zeros(b, dtype: float64, device: target.device);
            var position = arange(Length, device: target.device).unsqueeze(0);                   // [1, L]
            for (int i = 0; i < Length; i++)
                using (NewDisposeScope())
                {
                    var input = target.masked_fill(position.ge(i), MaskToken);                      // c_<i visible
                    var logits = forward(input).select(1, i);                                        // [B, K]
                    var nll = nn.functional.cross_entropy(logits, target.select(1, i), reduction: nn.Reduction.None);
                    total.add_(nll.to(float64));
                }
            return (total / Length).to(float32);
        }
        finally { train(wasTraining); }
    }

    LossOutput IPrior.Loss(Tensor codes) => Loss(codes);

    Tensor IPrior.Sample(int n) => Sample(n);

    /// <summary>
    /// MaskGIT decoding: from an all-[MASK] map (or <paramref name="start"/>, [n, H, W] with [MASK] where unknown),
    /// for t = 1…T: predict every position, draw a code for each masked one, and keep the ⌈L·(1−γ(t/T))⌉-ish most
    /// confident draws (confidence = probability of the drawn code, plus Gumbel noise that shrinks with t);
    /// re-mask the rest. Tokens once kept are never changed. After step T every position holds a code.
    /// Returns code maps [n, H, W].
    /// </summary>
    /// <param name="n">Number of maps (ignored when <paramref name="start"/> is given).</param>
    /// <param name="steps">T, the number of decoding steps (MaskGIT: 8–12).</param>
    /// <param name="temperature">Softmax temperature of the code draws.</param>
    /// <param name="choiceTemperature">Scale of the Gumbel noise on the confidences (MaskGIT: 4.5), annealed to 0.</param>
    /// <param name="onStep">Called after each step with the step (1-based) and the tokens [n, L] (for display and tests).</param>
    public Tensor Sample(int n, int steps = 8, double temperature = 1.0, double choiceTemperature = 4.5,
        Tensor? start = null, Action<int, Tensor>? onStep = null)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 1.");
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive.");
        var device = this.DeviceOf();
        var cur = start is null
            ? full(n, Length, MaskToken, dtype: int64, device: device)
            : Flatten(start, nameof(start)).to(device).clone();
        using var _ = no_grad();
        var unknownAtStart = cur.eq(MaskToken).sum(1).to(float64);                                     // [n]
        for (int t = 1; t <= steps; t++)
        {
            Step(cur, t, steps, unknownAtStart, temperature, choiceTemperature);
            onStep?.Invoke(t, cur);   // outside the step's dispose scope, so the callback may keep copies
        }
        return cur.reshape(cur.shape[0], Height, Width);
    }

    /// <summary>One MaskGIT decoding step, in place on <paramref name="cur"/> [n, L].</summary>
    void Step(Tensor cur, int t, int steps, Tensor unknownAtStart, double temperature, double choiceTemperature)
    {
        using var scope = NewDisposeScope();
        {
            var unknown = cur.eq(MaskToken);
            var probs = nn.functional.softmax(forward(cur) / temperature, 2);                           // [n, L, K]
            var drawn = multinomial(probs.reshape(-1, CodebookSize), 1).reshape(cur.shape);
            var next = where(unknown, drawn, cur);
            if (t < steps)
            {
                // How many stay masked after this step: γ(t/T) of those unknown at the start, at least one
                // (so the last step has work) and fewer than are unknown now (so every step confirms one).
                var keepMasked = (unknownAtStart * MaskRatio((double)t / steps)).floor()
                    .minimum(unknown.sum(1).to(float64) - 1).clamp_min(1).to(int64);                       // [n]
                var chosen = probs.gather(2, drawn.unsqueeze(2)).squeeze(2).clamp_min(1e-30).log();
                var gumbel = -(-rand_like(chosen).clamp(1e-20, 1).log()).log();
                var confidence = where(unknown, chosen + choiceTemperature * (1 - (double)t / steps) * gumbel,
                                       full_like(chosen, double.PositiveInfinity));
                var rank = confidence.argsort(1).argsort(1);
                var remask = rank.lt(keepMasked.unsqueeze(1)).logical_and(unknown);
                next = next.masked_fill(remask, MaskToken);
            }
            cur.copy_(next);
        }
    }

    Tensor Flatten(Tensor tokens, string argument) => ModuleExtensions.FlattenCodeMaps(tokens, Height, Width, argument);
}
