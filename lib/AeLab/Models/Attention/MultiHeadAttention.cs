using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Attention;

/// <summary>
/// Multi-head self-attention: project x to queries, keys and values, split the model width into
/// <see cref="Heads"/> heads of size dim / heads, attend in each head separately, concatenate and project back.
/// Each head can learn a different pattern of where to look at the same cost as one wide head.
/// </summary>
public sealed class MultiHeadAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear query, key, value, output;
    readonly Layers.Dropout dropout;

    public int Dim { get; }
    public int Heads { get; }
    public int HeadDim => Dim / Heads;

    /// <summary>The attention weights of the last forward, [B, heads, L, L] (detached), or null before the first call.</summary>
    public Tensor? LastWeights { get; private set; }

    /// <summary>Exposes the projections so a test or lesson can recompute one head by hand.</summary>
    public Linear Query => query;
    public Linear Key => key;
    public Linear Value => value;
    public Linear Output => output;

    public MultiHeadAttention(int dim, int heads, double dropout = 0, string name = nameof(MultiHeadAttention)) : base(name)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        if (heads < 1 || dim % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"heads must divide dim ({dim}); pick e.g. 1, 2 or 4.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout is a probability in [0, 1).");
        Dim = dim; Heads = heads;
        query = nn.Linear(dim, dim); key = nn.Linear(dim, dim); value = nn.Linear(dim, dim); output = nn.Linear(dim, dim);
        this.dropout = new Layers.Dropout(dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => forward(x, null);

    /// <param name="x">[B, L, dim].</param>
    /// <param name="mask">Optional boolean [L, L] or [B, 1, L, L]: true = may attend.</param>
    public Tensor forward(Tensor x, Tensor? mask) => forward(x, mask, null, 0);

    /// <param name="x">[B, L, dim]: the whole sequence, or with <paramref name="cache"/> only the new positions.</param>
    /// <param name="mask">Optional boolean [L, Lk] or [B, 1, L, Lk]: true = may attend.</param>
    /// <param name="cache">Keys and values of the positions before x (see <see cref="KeyValueCache"/>); x's are appended.</param>
    /// <param name="layer">This block's index in the cache.</param>
    internal Tensor forward(Tensor x, Tensor? mask, KeyValueCache? cache, int layer)
    {
        if (x.dim() != 3 || x.shape[2] != Dim)
            throw new ArgumentException($"x must be [B, L, {Dim}]; got [{string.Join(", ", x.shape)}].", nameof(x));
        long b = x.shape[0], l = x.shape[1];
        // The projections see [B·L, dim] rows: libtorch's linear on a 3-D input is about twice as slow in bfloat16.
        var rows = x.reshape(b * l, Dim);
        Tensor Split(Tensor t) => t.view(b, l, Heads, HeadDim).transpose(1, 2);     // [B, H, L, Dh]
        var (k, v) = (Split(key.forward(rows)), Split(value.forward(rows)));
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                  // earlier positions' keys and values too
        var attention = ScaledDotProductAttention.Compute(Split(query.forward(rows)), k, v, mask);
        LastWeights?.Dispose();
        LastWeights = attention.Weights.detach().DetachFromDisposeScope();   // the softmax output itself: nothing writes to it later
        var mixed = attention.Output.transpose(1, 2).contiguous().view(b * l, Dim);   // heads side by side again
        return dropout.forward(output.forward(mixed)).view(b, l, Dim);
    }
}
