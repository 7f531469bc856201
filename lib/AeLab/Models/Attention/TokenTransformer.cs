using AeLab.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Attention;

/// <summary>
/// A small Transformer over token sequences: tokens [B, L] (int64, values 0…vocab-1) → logits [B, L, vocab].
/// Token embedding + position (learned, or the fixed sinusoid), <c>layers</c> pre-norm blocks, a final LayerNorm
/// and a linear head. With <c>causal: true</c> position i sees tokens 0…i only (a GPT-style decoder that predicts
/// what comes next); with <c>causal: false</c> every position sees the whole sequence (a BERT/MaskGIT-style encoder).
/// </summary>
public sealed class TokenTransformer : nn.Module<Tensor, Tensor>
{
    readonly Embedding tokenEmbedding;
    readonly Parameter? learnedPositions;
    readonly Tensor? sinusoid;        // fixed table; a buffer, so it follows .to(device) and is saved with the weights
    readonly ModuleList<TransformerBlock> blocks;
    readonly LayerNorm finalNorm;
    readonly Linear head;
    readonly Layers.Dropout dropout;

    public int Vocab { get; }
    public int Length { get; }
    public int Dim { get; }
    public int Heads { get; }
    public int Layers { get; }
    public bool Causal { get; }
    public bool SinusoidalPositions { get; }

    public IReadOnlyList<TransformerBlock> Blocks => blocks.ToList();

    /// <summary>The last forward's attention weights, one [B, heads, L, L] tensor per layer (detached), for display.
    /// The next forward replaces (and frees) them: clone what you want to keep.</summary>
    public IReadOnlyList<Tensor> AttentionWeights =>
        blocks.Select(b => b.Attention.LastWeights ?? throw new InvalidOperationException("Run forward once before reading AttentionWeights.")).ToList();

    /// <param name="vocab">Number of distinct tokens.</param>
    /// <param name="length">Maximum sequence length (shorter inputs use the first positions).</param>
    /// <param name="dim">Model width; must be divisible by <paramref name="heads"/>.</param>
    /// <param name="heads">Attention heads per layer.</param>
    /// <param name="layers">Number of Transformer blocks.</param>
    /// <param name="causal">true: position i attends to 0…i only (decoder mask).</param>
    /// <param name="dropout">Dropout on embeddings, attention output and MLP output.</param>
    /// <param name="sinusoidalPositions">true: fixed sinusoidal positions instead of a learned table.</param>
    public TokenTransformer(int vocab, int length, int dim, int heads, int layers, bool causal, double dropout = 0,
        bool sinusoidalPositions = false, string name = nameof(TokenTransformer)) : base(name)
    {
        if (vocab < 2) throw new ArgumentOutOfRangeException(nameof(vocab), vocab, "vocab must be at least 2.");
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be at least 1.");
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "layers must be at least 1.");
        if (dim < 2) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 2.");
        if (heads < 1 || dim % heads != 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, $"heads must divide dim ({dim}).");
        if (sinusoidalPositions && dim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "Sinusoidal positions need an even dim.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout is a probability in [0, 1).");
        Vocab = vocab; Length = length; Dim = dim; Heads = heads; Layers = layers; Causal = causal; SinusoidalPositions = sinusoidalPositions;

        tokenEmbedding = nn.Embedding(vocab, dim);
        if (sinusoidalPositions) sinusoid = PositionalEncoding.Sinusoidal(length, dim);
        else learnedPositions = nn.Parameter(randn(length, dim) * 0.02);
        blocks = nn.ModuleList(Enumerable.Range(0, layers).Select(_ => new TransformerBlock(dim, heads, dropout)).ToArray());
        finalNorm = nn.LayerNorm(dim);
        head = nn.Linear(dim, vocab);
        this.dropout = new Layers.Dropout(dropout);
        RegisterComponents();
        // Small embeddings (GPT-2 uses N(0, 0.02)): TorchSharp's default N(0, 1) swamps the positions at the start.
        using (no_grad()) tokenEmbedding.weight!.normal_(0, 0.02);
    }

    public override Tensor forward(Tensor tokens)
    {
        CheckTokens(tokens, 0);
        long l = tokens.shape[1];
        var x = Embed(tokens, 0);
        // Built per call (L² booleans, cheap) so it is no buffer: causal and bidirectional models share one state dict.
        var mask = Causal ? ScaledDotProductAttention.CausalMask(l, tokens.device) : null;
        foreach (var block in blocks) x = block.forward(x, mask);
        return Rows.Apply(head, finalNorm.forward(x));
    }

    /// <summary>An empty <see cref="KeyValueCache"/> for drawing sequences from this (causal) model token by token.</summary>
    public KeyValueCache NewCache()
    {
        if (!Causal) throw new InvalidOperationException("Only a causal model can reuse its keys and values: a bidirectional one changes every position's when a token arrives.");
        return new KeyValueCache(Layers, Length);
    }

    /// <summary>
    /// Logits [B, n, vocab] for the next n tokens [B, n] of sequences whose earlier tokens are in <paramref name="cache"/>
    /// (positions cache.Length … cache.Length + n − 1); their keys and values are added to the cache. The logits equal
    /// those <see cref="forward(Tensor)"/> gives at these positions for the whole sequence.
    /// </summary>
    public Tensor Forward(Tensor tokens, KeyValueCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (!Causal) throw new InvalidOperationException("A key/value cache needs a causal model.");
        CheckTokens(tokens, cache.Length);
        long n = tokens.shape[1], start = cache.Length;
        var x = Embed(tokens, start);
        // New query i (position start + i) may look at every cached position and the new ones up to itself.
        var mask = n == 1 ? null : arange(start + n, device: tokens.device).unsqueeze(0).le(arange(start, start + n, device: tokens.device).unsqueeze(1));
        for (int i = 0; i < blocks.Count; i++) x = blocks[i].forward(x, mask, cache, i);
        cache.Advance(n);
        return Rows.Apply(head, finalNorm.forward(x));
    }

    Tensor Embed(Tensor tokens, long start)
    {
        long l = tokens.shape[1];
        var device = tokens.device;
        var positions = learnedPositions is not null ? learnedPositions.narrow(0, start, l) : sinusoid!.narrow(0, start, l).to(device);
        return dropout.forward(tokenEmbedding.forward(tokens) + positions);
    }

    void CheckTokens(Tensor tokens, long start)
    {
        if (tokens.dim() != 2)
            throw new ArgumentException($"tokens must be [B, L] int64; got [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        if (tokens.dtype != ScalarType.Int64)
            throw new ArgumentException($"tokens must be int64 (token ids); got {tokens.dtype}. Use .to(int64).", nameof(tokens));
        long l = tokens.shape[1];
        if (l < 1 || start + l > Length)
            throw new ArgumentException($"Sequence length {start + l} is outside 1…{Length}, the length this model was built for.", nameof(tokens));
        Expect.Indices(tokens, Vocab, nameof(TokenTransformer), nameof(tokens), "token");
    }
}
