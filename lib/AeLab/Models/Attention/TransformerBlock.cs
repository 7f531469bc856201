using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.Attention;

/// <summary>
/// A pre-norm Transformer block (GPT-2 style): x + Attention(LayerNorm(x)), then x + MLP(LayerNorm(x)),
/// MLP = Linear(dim, 4·dim) → GELU → Linear(4·dim, dim). Normalising before each sub-layer keeps the
/// residual path an identity, which trains stably without a learning-rate warm-up at this size.
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm1, norm2;
    readonly MultiHeadAttention attention;
    readonly Sequential mlp;

    public MultiHeadAttention Attention => attention;

    public TransformerBlock(int dim, int heads, double dropout = 0, int mlpRatio = 4, string name = nameof(TransformerBlock)) : base(name)
    {
        if (mlpRatio < 1) throw new ArgumentOutOfRangeException(nameof(mlpRatio), mlpRatio, "mlpRatio must be at least 1 (4 in GPT-2).");
        attention = new MultiHeadAttention(dim, heads, dropout);
        norm1 = nn.LayerNorm(dim); norm2 = nn.LayerNorm(dim);
        mlp = nn.Sequential(nn.Linear(dim, mlpRatio * dim), nn.GELU(), nn.Linear(mlpRatio * dim, dim), new Layers.Dropout(dropout));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => forward(x, null);

    /// <param name="x">[B, L, dim].</param>
    /// <param name="mask">Optional boolean attention mask (true = may attend), e.g. <see cref="ScaledDotProductAttention.CausalMask"/>.</param>
    public Tensor forward(Tensor x, Tensor? mask) => forward(x, mask, null, 0);

    internal Tensor forward(Tensor x, Tensor? mask, KeyValueCache? cache, int layer)
    {
        x = x + attention.forward(norm1.forward(x), mask, cache, layer);
        return x + Rows.Apply(mlp, norm2.forward(x));
    }
}
