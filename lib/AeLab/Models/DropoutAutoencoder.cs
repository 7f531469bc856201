namespace AeLab.Models;

/// <summary>
/// The dropout autoencoder (lesson 03): the MLP autoencoder with dropout after every hidden activation,
/// so during training random connections are cut and no single unit can memorise a detail.
/// Dropout is active only in training mode (<c>model.train()</c>); <c>model.eval()</c> uses all units.
/// </summary>
public sealed class DropoutAutoencoder : MlpAutoencoder
{
    public DropoutAutoencoder(double dropout = 0.2, long[]? imageShape = null, int latentSize = 20, int[]? hidden = null,
        ReconstructionLoss loss = ReconstructionLoss.BceWithLogits)
        : base(imageShape, latentSize, hidden, loss, dropout <= 0 || dropout >= 1
            ? throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "A dropout autoencoder needs a dropout probability in (0, 1).")
            : dropout, name: nameof(DropoutAutoencoder))
    {
    }
}
