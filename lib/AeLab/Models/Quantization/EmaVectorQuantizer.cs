using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Models.Quantization;

/// <summary>
/// A vector quantiser whose codebook is not learnt by gradient but set, every training step, to the running
/// mean of the encoder outputs assigned to each code (exponential moving averages, as in the VQ-VAE paper's
/// appendix, zalando/pytorch-vq-vae and lucidrains/vector-quantize-pytorch), plus dead-code restarts:
/// a code whose moving-average count falls below <see cref="DeadThreshold"/> is moved onto a random encoder
/// output of the current batch, where it is used again. Together they keep nearly every code in use.
/// </summary>
/// <remarks>
/// Per step, with one-hot assignments n_k (count) and s_k (sum of assigned vectors):
/// N_k ← γN_k + (1−γ)n_k, m_k ← γm_k + (1−γ)s_k, e_k = m_k / Ñ_k with Laplace-smoothed counts
/// Ñ_k = (N_k + ε)/(ΣN + Kε)·ΣN (so a rarely used code never divides by zero). Updates happen only in
/// training mode; <see cref="QuantizerOutput.CodebookLoss"/> is zero, the commitment loss still trains the encoder.
/// The codebook, counts and sums are buffers: they are saved with the model.
/// </remarks>
public sealed class EmaVectorQuantizer : nn.Module<Tensor, QuantizerOutput>, IQuantizer
{
    readonly Tensor codebook;    // [K, D]
    readonly Tensor clusterSize; // [K], moving-average counts N_k
    readonly Tensor embedSum;    // [K, D], moving-average sums m_k
    readonly Tensor restarts;    // [], total codes restarted so far

    public int CodebookSize { get; }
    public int Dim { get; }
    public Tensor Codebook => codebook;

    /// <summary>γ, the moving-average decay (0.99 by default).</summary>
    public double Decay { get; }

    /// <summary>ε of the Laplace smoothing of the counts.</summary>
    public double Epsilon { get; }

    /// <summary>Whether dead codes are restarted from encoder outputs (true by default).</summary>
    public bool RestartDeadCodes { get; set; }

    /// <summary>A code is dead when its moving-average count N_k (vectors per batch) is below this.</summary>
    public double DeadThreshold { get; set; }

    /// <summary>Codes restarted so far in training (a scalar tensor; read it with .item&lt;float&gt;()).</summary>
    public Tensor Restarts => restarts;

    public EmaVectorQuantizer(int codebookSize, int dim, double decay = 0.99, double epsilon = 1e-5,
        bool restartDeadCodes = true, double deadThreshold = 1.0) : base(nameof(EmaVectorQuantizer))
    {
        if (codebookSize < 2) throw new ArgumentOutOfRangeException(nameof(codebookSize), codebookSize, "codebookSize must be at least 2.");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        if (decay <= 0 || decay >= 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "decay must be in (0, 1); 0.99 is usual.");
        if (epsilon <= 0) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive; 1e-5 is usual.");
        if (deadThreshold < 0) throw new ArgumentOutOfRangeException(nameof(deadThreshold), deadThreshold, "deadThreshold must be 0 or more.");
        CodebookSize = codebookSize; Dim = dim; Decay = decay; Epsilon = epsilon;
        RestartDeadCodes = restartDeadCodes; DeadThreshold = deadThreshold;
        codebook = randn(codebookSize, dim);
        // Counts start at one with sums equal to the codes, so an unused code stays put instead of being
        // divided by a near-zero count.
        clusterSize = ones(codebookSize);
        embedSum = codebook.clone();
        restarts = zeros(new long[0]);
        RegisterComponents();
    }

    public override QuantizerOutput forward(Tensor z)
    {
        using var float32 = Codes.InCodebookPrecision(ref z, codebook.dtype);
        Codes.CheckInput(z, codebook, nameof(EmaVectorQuantizer));
        using var scope = NewDisposeScope();
        var flat = Codes.Flatten(z);
        Tensor indices, chosen;
        using (no_grad())
        {
            indices = Codes.Distances(flat, codebook).argmin(1);
            // The output and the commitment loss use the codes that chose the indices, as Sonnet's VectorQuantizerEMA
            // and zalando's vq-vae do; the moving-average step below then moves the codebook for the next batch.
            chosen = training ? codebook.clone() : codebook;
            if (training) Update(flat.detach(), indices);
        }
        var output = Codes.Output(z, flat, indices, chosen, CodebookSize, codebookLearnsByGradient: false);
        return VectorQuantizer.Keep(output);
    }

    /// <summary>One moving-average step and the restarts (inside no_grad, training mode only).</summary>
    void Update(Tensor flat, Tensor indices)
    {
        using var scope = NewDisposeScope();
        var oneHot = nn.functional.one_hot(indices, CodebookSize).to(flat.dtype); // [N, K]
        var counts = oneHot.sum(dim: 0);                                            // n_k
        var sums = oneHot.t().matmul(flat);                                     // s_k
        clusterSize.mul_(Decay).add_(counts, alpha: 1 - Decay);
        embedSum.mul_(Decay).add_(sums, alpha: 1 - Decay);
        var n = clusterSize.sum();
        var smoothed = (clusterSize + Epsilon) / (n + CodebookSize * Epsilon) * n;
        codebook.copy_(embedSum / smoothed.unsqueeze(1));
        if (!RestartDeadCodes) return;
        // Dead codes jump onto random encoder outputs of this batch; their statistics restart as if they
        // had been chosen DeadThreshold times, so they get a few steps to win vectors before the next check.
        var dead = clusterSize < DeadThreshold;                                 // [K]
        var picks = randint(0, flat.shape[0], new long[] { CodebookSize }, device: flat.device);
        var samples = flat.index_select(0, picks);
        var deadRows = dead.unsqueeze(1);
        codebook.copy_(where(deadRows, samples, codebook));
        embedSum.copy_(where(deadRows, samples * DeadThreshold, embedSum));
        clusterSize.copy_(where(dead, full_like(clusterSize, DeadThreshold), clusterSize));
        restarts.add_(dead.sum().to(restarts.dtype));
    }

    /// <summary>Sets the codes (e.g. to encoder outputs, or for an experiment) and restarts their statistics
    /// from them: counts of one, sums equal to the codes. Writing into <see cref="Codebook"/> directly would be
    /// undone by the next moving-average step, which recomputes the codes from the statistics.</summary>
    public void InitializeCodebook(Tensor codes)
    {
        if (codes.dim() != 2 || codes.shape[0] != CodebookSize || codes.shape[1] != Dim)
            throw new ArgumentException($"codes must be [{CodebookSize}, {Dim}] (K, D); got [{string.Join(", ", codes.shape)}].", nameof(codes));
        using var _ = no_grad();
        codebook.copy_(codes);
        embedSum.copy_(codes);
        clusterSize.fill_(1);
    }

    public Tensor Lookup(Tensor indices) => Codes.Lookup(codebook, indices, nameof(EmaVectorQuantizer));
}
