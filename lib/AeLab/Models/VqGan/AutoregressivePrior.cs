using AeLab.Core;
using AeLab.Data;
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
/// With <c>classes</c> &gt; 0 the prior is class-conditional as taming's ImageNet prior: the first token is the class
/// (one start token per class, K + label) instead of [SOS], so one network learns p(c | class) for every class.
/// </summary>
public sealed class AutoregressivePrior : nn.Module<Tensor, Tensor>, IPrior
{
    readonly TokenTransformer network;

    public int CodebookSize { get; }
    public int Height { get; }
    public int Width { get; }
    public int Length => Height * Width;
    public (int Height, int Width) MapSize => (Height, Width);

    /// <summary>The start token of an unconditional prior: one past the last code.</summary>
    public int StartToken => CodebookSize;

    /// <summary>Number of classes the prior is conditioned on; 0 for an unconditional prior.</summary>
    public int Classes { get; }

    /// <summary>The start token of class <paramref name="label"/> in a class-conditional prior: K + label.</summary>
    public int ClassToken(int label)
    {
        if (Classes == 0) throw new InvalidOperationException("This prior is unconditional (classes: 0); it has one start token, StartToken.");
        if (label < 0 || label >= Classes) throw new ArgumentOutOfRangeException(nameof(label), label, $"label must be in 0…{Classes - 1}: the prior was built for {Classes} classes.");
        return CodebookSize + label;
    }

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
    /// <param name="classes">Classes to condition on (labels 0…classes − 1, given with the codes); 0 for none.</param>
    public AutoregressivePrior(int codebookSize, int height, int width, int dim = 128, int heads = 4, int layers = 4,
        double dropout = 0.1, double keepProbability = 0.9, int classes = 0) : base(nameof(AutoregressivePrior))
    {
        if (codebookSize < 2) throw new ArgumentOutOfRangeException(nameof(codebookSize), codebookSize, "codebookSize must be at least 2.");
        if (height < 1 || width < 1) throw new ArgumentException($"The code map must be at least 1×1; got {height}×{width}.");
        if (keepProbability is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(keepProbability), keepProbability, "keepProbability must be in (0, 1].");
        if (classes < 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "classes must be 0 (unconditional) or more.");
        CodebookSize = codebookSize; Height = height; Width = width; KeepProbability = keepProbability; Classes = classes;
        network = new TokenTransformer(codebookSize + Math.Max(1, classes), height * width, dim, heads, layers, causal: true, dropout: dropout);
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
    /// metrics "nll" (the same) and "accuracy" (next code predicted exactly). A class-conditional prior needs the
    /// maps' <paramref name="labels"/> [B] (a <see cref="TokenBatches"/> built with labels carries them).
    /// </summary>
    public LossOutput Loss(Tensor codes) => Loss(codes, null);

    /// <inheritdoc cref="Loss(Tensor)"/>
    public LossOutput Loss(Tensor codes, Tensor? labels)
    {
        var target = ModuleExtensions.CodeTargets(codes, Height, Width, CodebookSize, nameof(AutoregressivePrior), nameof(codes));
        var logits = forward(Input(Corrupt(target), labels));                                              // [B, L, K]
        var nll = nn.functional.cross_entropy(logits.reshape(-1, CodebookSize), target.reshape(-1));
        var accuracy = logits.argmax(2).eq(target).to(ScalarType.Float32).mean();
        return new LossOutput(nll, new Dictionary<string, Tensor> { ["nll"] = nll.detach(), ["accuracy"] = accuracy.detach() });
    }

    LossOutput ITrainable.Loss(Batch batch) => Loss(batch.X, batch.Y);

    /// <summary>−log p per code in nats for each code map [B, H, W] → [B]: the exact likelihood Π p(c_i | c_&lt;i), without
    /// the training corruption (one pass, in eval mode); a class-conditional prior needs the maps' labels [B].</summary>
    public Tensor NegativeLogLikelihood(Tensor codes, Tensor? labels = null)
    {
        var target = ModuleExtensions.CodeTargets(codes, Height, Width, CodebookSize, nameof(AutoregressivePrior), nameof(codes));
        bool wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            var logits = forward(Input(target, labels));                                       // [B, L, K]
            var nll = nn.functional.cross_entropy(logits.reshape(-1, CodebookSize), target.reshape(-1), reduction: nn.Reduction.None);
            return nll.reshape(target.shape).mean(new long[] { 1 });
        }
        finally { train(wasTraining); }
    }

    /// <summary>The network's input for code maps [B, L]: the start token ([SOS], or the class's token) followed by the
    /// first L − 1 codes.</summary>
    Tensor Input(Tensor history, Tensor? labels) =>
        cat(new[] { StartTokens(history.shape[0], labels, history.device), history.narrow(1, 0, Length - 1) }, 1);

    /// <summary>[B, 1] start tokens: [SOS] for an unconditional prior, K + label for a class-conditional one.</summary>
    Tensor StartTokens(long batch, Tensor? labels, Device device)
    {
        if (Classes == 0)
        {
            if (labels is not null)
                throw new ArgumentException("This prior is unconditional (classes: 0) but labels were given; build it with classes: C to condition on them, or train on a TokenBatches without labels.", nameof(labels));
            return full(new long[] { batch, 1 }, StartToken, dtype: ScalarType.Int64, device: device);
        }
        if (labels is null)
            throw new ArgumentException($"This prior is conditioned on {Classes} classes: give each code map's label (TokenBatches(codes, batchSize, labels: …)).", nameof(labels));
        var flat = labels.reshape(-1);
        if (flat.dtype != ScalarType.Int64 || flat.shape[0] != batch)
            throw new ArgumentException($"labels must be {batch} int64 class indices, one per code map; got {flat.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));
        Expect.Indices(flat, Classes, nameof(AutoregressivePrior), nameof(labels), what: "class");
        return (flat.to(device) + CodebookSize).reshape(batch, 1);
    }

    /// <summary>Draws n code maps [n, H, W], one code at a time in raster order; a class-conditional prior draws each
    /// map's class uniformly at random first.</summary>
    public Tensor Sample(int n) => Sample(n, 1.0);

    /// <summary>Draws n code maps [n, H, W], one code at a time in raster order; <paramref name="topK"/> keeps only the k
    /// likeliest codes at each step (taming samples with top-k), <paramref name="temperature"/> scales the logits;
    /// <paramref name="label"/> is the class of every map for a class-conditional prior (uniformly random classes when null).</summary>
    public Tensor Sample(int n, double temperature, int? topK = null, int? label = null)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be at least 1.");
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive.");
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "topK must be at least 1.");
        if (label is int l) ClassToken(l);   // refuses an unconditional prior or a label out of range
        bool wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            // Each pass feeds only the newest token; the cache holds the keys and values of the ones before it.
            using var cache = network.NewCache();
            var device = this.DeviceOf();
            using var labels = Classes == 0 ? null
                : label is int c ? full(new long[] { n }, c, dtype: ScalarType.Int64, device: device)
                : randint(Classes, new long[] { n }, dtype: ScalarType.Int64, device: device);
            using var start = StartTokens(n, labels, device);
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
