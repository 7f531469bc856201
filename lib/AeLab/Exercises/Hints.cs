namespace AeLab.Exercises;

/// <summary>
/// What a check says after a wrong answer: <see cref="First"/> after the first, <see cref="More"/> (a fuller hint,
/// where there is one) after the second and every later one. A string converts to a hint with only a first part.
/// </summary>
public sealed record Hint(string First, string? More = null)
{
    /// <summary>The hint to print after the given number of wrong answers (1 for the first).</summary>
    public string After(int wrongAnswers) => wrongAnswers >= 2 && More is not null ? More : First;

    /// <summary>A hint with only a first part.</summary>
    public static implicit operator Hint(string first) => new(first);
}

/// <summary>
/// The hints of the lessons' exercises, keyed by exercise id. They live here, not in the lessons, so that a lesson's
/// exercise cell holds the task and the placeholder only and nothing of the hint shows before an attempt. Every
/// exercise of the lessons has one and every one belongs to an exercise of the lessons (a test checks both).
/// </summary>
public static class Hints
{
    /// <summary>The hint for exercise <paramref name="id"/>, or null when it has none.</summary>
    public static Hint? For(string id) => All.GetValueOrDefault(id.Trim());

    /// <summary>Every hint, by exercise id ("01.1": lesson 01, exercise 1).</summary>
    public static IReadOnlyDictionary<string, Hint> All { get; } = new Dictionary<string, Hint>
    {
        // 01 · The autoencoder
        ["01.1"] = new("a Linear(n, m) layer learns n × m weights and m biases; the encoder has three such layers.",
            "add inputs × outputs weights and one bias per output for each layer: 784 → 256, 256 → 128, 128 → 20."),
        ["01.2"] = new("write the formula's three terms one by one, max(l, 0), l·x and log(1 + e^(−|l|)); TorchSharp has an " +
                       "operation for each piece, and none of them needs σ(l).",
            "max(l, 0) is logits.clamp_min(0), and log(1 + e^(−|l|)) is log1p of exp of −|l|. A log of a sigmoid breaks at " +
            "l = ±120."),
        ["01.3"] = new("encode, decode to logits, and compare the logits with the images; but the logits are [N, 784] and " +
                       "the images [N, 1, 28, 28].",
            "the targets are the images flattened to [N, 784] (x.flatten(1)); the default reduction of " +
            "binary_cross_entropy_with_logits, the mean over every element, is the one model.Loss uses."),

        // 02 · LeakyReLU and dead units
        ["02.1"] = new("LeakyReLU keeps x where x > 0 and scales it by 0.2 elsewhere; one call of where(…) picks between the two.",
            "torch.where(condition, a, b) takes a where the condition holds and b elsewhere; (x > 0) is the condition."),
        ["02.2"] = new("find the largest value w·x can take on an image whose pixels lie in [0, 1]; b must bring even that to 0 or below.",
            "w·x is largest when x = 1 where w > 0 and x = 0 where w < 0, so it is at most the sum of the positive " +
            "weights, firstLayer.weight![0].clamp_min(0).sum(); take b a little below minus that."),
        ["02.3"] = new("the gradient reaching the unit's weights passes through the activation's slope at w·x + b, and " +
                       "w·x + b is far left of 0 here.",
            "the gradient reaching w is (the activation's slope at w·x + b) × (what flows back from above) × x; what is " +
            "each activation's slope far left of 0?"),

        // 03 · Autoencoder variants
        ["03.1"] = new("x̃ − x is the noise ε itself.",
            "mean((x̃ − x)²) estimates E[ε²]; for ε ~ N(0, σ²) with mean 0, what is E[ε²]?"),
        ["03.2"] = new("each term is the mean of a softplus of one batch of logits; mind the sign inside each.",
            "nn.functional.softplus(-priorLogits).mean() is the first term; the second uses +codeLogits."),
        ["03.3"] = new("the loss is −log σ(0) for every prior draw plus −log(1 − σ(−2)) for every code, each averaged over its batch.",
            "−log σ(0) = ln 2 for the prior draws; −log(1 − σ(−2)) = log(1 + e^(−2)) for the codes."),

        // 04 · A convolutional autoencoder with residual blocks
        ["04.1"] = new("put n = 40 into ⌊(n − 3)/2⌋ + 1 and n = 5 into 2n + 1.",
            "⌊(40 − 3)/2⌋ + 1 and 2·5 + 1; ⌊…⌋ rounds down, as integer division does."),
        ["04.2"] = new("take each row's mean and biased variance over dimension 1, keeping that dimension so they broadcast " +
                       "back over the row.",
            "x.mean(new long[] { 1 }, keepdim: true) and x.var(1, unbiased: false, keepdim: true); keepdim lets the " +
            "[B, 1] results broadcast over the row."),
        ["04.3"] = new("backward() computes gradients for the encoder too; which parameters does optimizer.step() update?",
            "an optimizer moves only the parameters it was built with, and this one was given DecoderParameters() only."),

        // 05 · The reparameterization trick
        ["05.1"] = new("draw ε with one randn whose shape is [4] followed by mu's shape; μ and σ then broadcast against it.",
            "randn(new long[] { 4 }.Concat(mu.shape).ToArray()) has the output's shape (give it mu's dtype and device); " +
            "σ = exp(½ logvar), and μ and σ of shape [...] broadcast against it."),
        ["05.2"] = new("μ does not depend on s: differentiate e^s·ε with respect to s.",
            "∂/∂s of exp(s) is exp(s) = σ; compare with ∂z/∂ℓ = ½σε from section 2."),
        ["05.3"] = new("the estimate is 2(μ + σε); a constant shift does not change a variance.",
            "the estimate is 2(μ + σε); a constant shift does not change a variance, and Var[cε] = c²·Var[ε] with Var[ε] = 1."),

        // 06 · The KL divergence between Gaussians
        ["06.1"] = new("start from ½ Σ_d (μ² + σ² − log σ² − 1) and write σ² and log σ² from std; the result has one value per row.",
            "σ² = std · std and log σ² = 2 log σ; sum over dimension 1 (.sum(1)) to get one number per row."),
        ["06.2"] = new("with σ = 1, which terms of ½ Σ_d (μ² + σ² − log σ² − 1) cancel?",
            "with σ = 1 only the μ² term is left in each dimension, and the dimensions add up."),
        ["06.3"] = new("D_KL(p‖q) averages log p − log q under p; where does p put mass that the narrow q finds very unlikely?",
            "in nats, D_KL(N(0, a²) ‖ N(0, b²)) = log(b/a) + a²/(2b²) − ½; work it out both ways round with 1 and 0.5."),

        // 07 · A variational autoencoder on Fashion-MNIST
        ["07.1"] = new("the logits are [N, 784] and the images [N, 1, 28, 28]: bring the images to the logits' shape, and " +
                       "do not let the loss average.",
            "flatten the images to [N, 784] with x.flatten(1), take the loss with reduction None, then .sum(1)."),
        ["07.2"] = new("the mean over the pixels of one image is the sum divided by the number of values the image has.",
            "the mean over the pixels of one image is the sum divided by the number of pixel values it has, colour " +
            "channels included."),
        ["07.3"] = new("the loss is bce + KlWeight · kl; which of the two does the same seed leave unchanged?",
            "the loss is bce + KlWeight · kl, and the same seed gives the same z, so bce does not move."),

        // 08 · A convolutional VAE on Pokémon
        ["08.1"] = new("three halvings of 96 pixels per side; and how many channels does the μ head output?",
            "96 / 2 / 2 / 2 pixels per side, and the μ head has as many channels as the latent: 4."),
        ["08.2"] = new("count both: 3 · S · S numbers in the image, 4 numbers for every r × r patch in μ, with r the model's " +
                       "downscale, vae.Downscale.",
            "(3 · S · S) ÷ (4 · S/r · S/r): the S cancels; read r from vae.Downscale."),
        ["08.3"] = new("sum the KL of every latent element over the whole batch, then divide by the number of numbers in x.",
            "½(μ² + e^ℓ − ℓ − 1) summed over every element gives the batch's KL; x.numel() counts N·C·H·W."),

        // 09 · VQ-VAE
        ["09.1"] = new("compute all N × K squared distances at once, then take the index of the smallest in each row.",
            "‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖² for all pairs at once: rows.pow(2).sum(1, keepdim: true) is [N, 1], " +
            "rows.matmul(codebook.t()) is [N, K], codebook.pow(2).sum(1) is [K]; then .argmin(1)."),
        ["09.2"] = new("p = (0.75, 0.25, 0, 0); unused codes add nothing, since p log p → 0 as p → 0.",
            "p = (0.75, 0.25, 0, 0); compute exp(−(0.75 ln 0.75 + 0.25 ln 0.25))."),
        ["09.3"] = new("returning zq gives the right value but no gradient for z; start from z and add what turns it into zq " +
                       "without passing a gradient.",
            "sg[·] is .detach(): add to z a detached copy of the difference zq − z."),
        ["09.4"] = new("in raster order a position may see every row above it and, in its own row, what lies left of it.",
            "the two rows above the centre are kept in full, then the centre row up to (type A) or including (type B) the centre."),

        // 10 · Sequences, attention and the Transformer
        ["10.1"] = new("scores are q times k transposed in the last two dimensions, divided by √d_k; a softmax over the keys; " +
                       "then a product with v.",
            "k.transpose(-2, -1) swaps the last two dimensions whatever comes before them; d_k is q.shape[^1]; softmax " +
            "over the last dimension (-1)."),
        ["10.2"] = new("query i may look at key j when j ≤ i: the lower triangle, the diagonal included.",
            "ones(length, length, dtype: ScalarType.Bool).tril() keeps the lower triangle; or compare arange(length) " +
            "as a column with arange(length) as a row."),
        ["10.3"] = new("the standard deviation is the square root of the variance.",
            "q·k has variance d_k = 256; the standard deviation is its square root."),

        // 11 · VQ-GAN
        ["11.1"] = new("each term is a mean of max(0, …) over one grid of logits, weighed by ½.",
            "max(0, t) is t.clamp_min(0) (or nn.functional.relu(t)); take .mean() of each term and weigh each by ½."),
        ["11.2"] = new("work out max(0, 1 − D) for each real patch and max(0, 1 + D) for each reconstruction, then average " +
                       "each pair and weigh by ½.",
            "max(0, 1 − 2) = 0 and max(0, 1 − 0.5) = 0.5 for the real ones; then the same with 1 + D for the reconstructions."),
        ["11.3"] = new("after step 4 of 8, r = 4/8: compute γ(r) · 49 and round down.",
            "γ(4/8) = cos(π/4) ≈ 0.707; multiply by 49 and round down."),
        ["11.4"] = new("a code changes when it is replaced and the replacement is not the same code.",
            "1 − pkeep of the codes are replaced; a replacement is a uniform draw from the K codes, which is the original code 1 time in K."),

        // 12 · Comparing the generators
        ["12.1"] = new("both terms are sums over the dimensions of squared differences; return them as one scalar tensor.",
            "(mu1 − mu2).square().sum() is the first term, and the second is the same with sd1 and sd2: the square roots " +
            "of diagonal matrices are the standard deviations."),
        ["12.2"] = new("a shift moves the mean and leaves the covariance alone.",
            "a shift moves the mean and leaves the covariance alone: only ‖μ₁ − μ₂‖² is left, over 16 dimensions."),
        ["12.3"] = new("the copies have exactly the test images' mean feature vector, and no spread at all.",
            "equal means make ‖μ₁ − μ₂‖² zero; a set without spread has a zero covariance, so the trace term keeps all " +
            "of the test features' covariance."),

        // 13 · A prior for the latent: diffusion
        ["13.1"] = new("pick one ᾱ per item with alphaBars[t], give it the shape [B, 1, 1, 1] so it broadcasts over each map, " +
                       "then write the formula with sqrt().",
            "var a = alphaBars[t].reshape(-1, 1, 1, 1); return a.sqrt() * x0 + (1 - a).sqrt() * eps;"),
        ["13.2"] = new("the mean is (x_t − β_t ε̂ / √(1 − ᾱ_t)) / √α_t; σ_t² uses ᾱ at tStep and at tStep − 1.",
            "σ_t = √((1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t) with schedule.AlphaBar(tStep − 1) and schedule.AlphaBar(tStep); " +
            "all of these are plain doubles that multiply the tensors."),
        ["13.3"] = new("multiply 1 − β_s step by step and stop at the first product below ½.",
            "with β_s ≈ 10⁻⁴ + 2·10⁻⁵ s (T = 1000), Σ β_s ≈ 10⁻⁴ t + 10⁻⁵ t², and ln 2 ≈ 0.69: solve 10⁻⁵ t² + 10⁻⁴ t = 0.69, " +
            "or let a loop over schedule.Betas find it."),
    };
}
