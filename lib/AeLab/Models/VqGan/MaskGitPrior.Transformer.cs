using AeLab.Models.Attention;

namespace AeLab.Models.VqGan;

public sealed partial class MaskGitPrior
{
    /// <summary>
    /// A MaskGIT prior over <paramref name="height"/>×<paramref name="width"/> code maps with lesson 10's
    /// <see cref="TokenTransformer"/>, bidirectional (causal: false): vocabulary K + 1 (the codes and [MASK]).
    /// </summary>
    public static MaskGitPrior WithTransformer(int codebookSize, int height, int width, int dim = 128, int heads = 4, int layers = 4, double dropout = 0.1) =>
        new(new TokenTransformer(codebookSize + 1, height * width, dim, heads, layers, causal: false, dropout: dropout), codebookSize, height, width);
}
