using AeLab.Core;
using AeLab.Models.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.VqGan;

/// <summary>
/// Stage 2 of VQ-GAN as taming-transformers trains it: a GPT-style (causal) transformer over the code map flattened
/// in raster order, L = H·W tokens, that predicts each code from the ones before it, p(c) = Π p(c_i | c_&lt;i).
/// The input is a start token [SOS] followed by the first L − 1 codes; the targets are the L codes. In training a
/// Bernoulli mask keeps each input code with probability <see cref="KeepProbability"/> (taming's <c>pkeep</c>) and
/// replaces the others by random codes, so the model learns to predict the original codes from a partly wrong
/// history, the situation it meets when sampling from its own draws. Sampling draws one token at a time: L passes.
/// </summary>
public sealed class AutoregressivePrior : nn.Module<Tensor, Tensor>, IPrior
{
    readonly TokenTransformer network;

    public int CodebookSize { get; }
    public int Height { get; }
    public int Width { get; }
    public int Length => Height * Width;
    public (int Height, int Width) MapSize => (Height, Width);

    /// <summary>The start token: one past the last code.</summary>
    public int StartToken => CodebookSize;

    /// <summary>Probability that a training input code is kept (else replaced by a random code); 1 turns the corruption off.</summary>
    public double KeepProbability { get; }

    public TokenTransformer Network => network;

    /// <param name="codebookSize">K, the number of codes.</param>
    /// <param name="height">Code map height.</param>
    /// <param name="width">Code map width.</param>
    /// <param name="dim">Transformer width.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="layers">Transformer blocks.</param>
    /// <param name="dropout">Dropout in the transformer.</param>
    /// <param name="keepProbability">taming's pkeep (its configs use 0.9 or 1).</param>
    public AutoregressivePrior(int codebookSize, int height, int width, int dim = 128, int heads = 4, int layers = 4,
        double dropout = 0.1, double keepProbability = 0.9) : base(nameof(AutoregressivePrior))
    {
        if (codebookSize < 2) throw new ArgumentOutOfRangeException(nameof(codebookSize), codebookSize, "codebookSize must be at least 2.");
        if (height < 1 || width < 1) throw new ArgumentException($"The code map must be at least 1×1; got {height}×{width}.");
        if (keepProbability is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(keepProbability), keepProbability, "keepProbability must be in (0, 1].");
        CodebookSize = codebookSize; Height = height; Width = width; KeepProbability = keepProbability;
        network = new TokenTransformer(codebookSize + 1, height * width, dim, heads, layers, causal: true, dropout: dropout);
        RegisterComponents();
    }

    /// <summary>Logits over the K codes, [B, T, K], for input tokens [B, T] ([SOS] then codes): position t predicts code t.</summary>
    public override Tensor forward(Tensor input) => network.forward(input).narrow(2, 0, CodebookSize);

    /// <summary>The corrupted history in training: each code kept with probability <see cref="KeepProbability"/>, else a random code.</summary>
    public Tensor Corrupt(Tensor codes)
    {
        if (!training || KeepProbability >= 1) return codes;
        var keep = bernoulli(full(codes.shape, KeepProbability, device: codes.device)).to(ScalarType.Bool);
        return where(keep, codes, randint_like(codes, 0, CodebookSize));
    }

    /// <summary>
    /// −log p per code in nats, averaged over the L positions of code maps [B, H, W] (or [B, 1, H, W], or [B, L]);
    /// metrics "nll" (the same) and "accuracy" (next code predicted exactly).
    /// </summary>
    public LossOutput Loss(Tensor codes)
    {
        var target = ModuleExtensions.CodeTargets(codes, Height, Width, CodebookSize, nameof(AutoregressivePrior), nameof(codes));
        var logits = forward(Input(Corrupt(target)));                                                      // [B, L, K]
        var nll = nn.functional.cross_entropy(logits.reshape(-1, CodebookSize), target.reshape(-1));
        var accuracy = logits.argmax(2).eq(target).to(ScalarType.Float32).mean();
        return new LossOutput(nll, new Dictionary<string, Tensor> { ["nll"] = nll.detach(), ["accuracy"] = accuracy.detach() });
    }

    /// <summary>−log p per code in nats for each code map [B, H, W] → [B]: the exact likelihood Π p(c_i | c_&lt;i), without
    /// the training corruption (one pass, in eval mode).</summary>
    public Tensor NegativeLogLikelihood(Tensor codes)
    {
        var target = ModuleExtensions.CodeTargets(codes, Height, Width, CodebookSize, nameof(AutoregressivePrior), nameof(codes));
        bool wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            var logits = forward(Input(target));                                               // [B, L, K]
            var nll = nn.functional.cross_entropy(logits.reshape(-1, CodebookSize), target.reshape(-1), reduction: nn.Reduction.None);
            return nll.reshape(target.shape).mean(new long[] { 1 });
        }
        finally { train(wasTraining); }
    }

    /// <summary>The network's input for code maps [B, L]: [SOS] followed by the first L − 1 codes.</summary>
    Tensor Input(Tensor history) =>
        cat(new[] { full(new long[] { history.shape[0], 1 }, StartToken, dtype: ScalarType.Int64, device: history.device), history.narrow(1, 0, Length - 1) }, 1);

    /// <summary>Draws n code maps [n, H, W], one code at a time in raster order.</summary>
    public Tensor Sample(int n) => Sample(n, 1.0);

    /// <summary>Draws n code maps [n, H, W], one code at a time in raster order; <paramref name="topK"/> keeps only the k
    /// likeliest codes at each step (taming samples with top-k), <paramref name="temperature"/> scales the logits.</summary>
    public Tensor Sample(int n, double temperature, int? topK = null)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be at least 1.");
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive.");
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "topK must be at least 1.");
        bool wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            // Each pass feeds only the newest token; the cache holds the keys and values of the ones before it.
            using var cache = network.NewCache();
            using var start = full(new long[] { n, 1 }, StartToken, dtype: ScalarType.Int64, device: this.DeviceOf());
            var input = start;
            var drawn = new List<Tensor>();
            for (int i = 0; i < Length; i++)
                using (NewDisposeScope())
                {
                    var logits = network.Forward(input, cache).select(1, -1).narrow(1, 0, CodebookSize) / temperature;   // [n, K]
                    if (topK is int k && k < CodebookSize)
                    {
                        var kth = logits.topk(k, 1).values.narrow(1, k - 1, 1);
                        logits = logits.masked_fill(logits.lt(kth), double.NegativeInfinity);
                    }
                    var next = multinomial(nn.functional.softmax(logits, 1), 1).MoveToOuterDisposeScope();   // [n, 1]
                    drawn.Add(next);
                    input = next;
                }
            var codes = cat(drawn.ToArray(), 1).reshape(n, Height, Width);
            foreach (var t in drawn) t.Dispose();
            return codes;
        }
        finally { train(wasTraining); }
    }
}
