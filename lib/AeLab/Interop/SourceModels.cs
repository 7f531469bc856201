using AeLab.Models;

namespace AeLab.Interop;

/// <summary>
/// The course's models built exactly as the course material's PyTorch models are, so that those models' state_dicts
/// load into them (<see cref="PyTorchWeights.Load"/>) and give the same outputs.
/// </summary>
public static class SourceModels
{
    /// <summary>
    /// The Pokémon tutorial's <c>VAE(in_channels=3, latent_dim=4, image_size=512)</c>: three conv blocks per side, a
    /// 4×S/8×S/8 latent. <paramref name="imageSize"/> only sets what <c>Sample</c> draws; the weights run at any
    /// multiple of 8.
    /// </summary>
    public static ConvVae PokemonVae(int imageSize = 512, int inChannels = 3, int latentChannels = 4) =>
        new(inChannels: inChannels, latentChannels: latentChannels, klWeight: 0.1, imageSize: imageSize, downsamples: 3);

    /// <summary>The CelebA tutorial's residual autoencoder: 64-px images, residual blocks of width 32 → 256, a 128-d code.</summary>
    public static ResidualConvAutoencoder CelebAAutoencoder() => new(latentSize: 128, width: 32, convsPerSide: 4, imageSize: 64);

    /// <summary>
    /// The "VAE series" notes' <c>VAE(input_dim=256, hidden_dim=64, latent_num=2, latent_dim=32)</c>, as lesson 06
    /// fixes it: 256 → 64 → 32 → (μ, log σ²) ∈ ℝ², decoder 2 → 32 → 64 → 256 with a sigmoid, LeakyReLU(0.2).
    /// </summary>
    public static MlpVae NotesVae(int inputDim = 256, int hiddenDim = 64, int latentNum = 2, int latentDim = 32) =>
        new(latentSize: latentNum, imageShape: new long[] { inputDim }, hiddenLayers: new[] { hiddenDim, latentDim }, leakySlope: 0.2);
}
