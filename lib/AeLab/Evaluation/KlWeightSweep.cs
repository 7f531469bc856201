using System.Globalization;

namespace AeLab.Evaluation;

/// <summary>Reads a sweep of a VAE's KL weight β: how the KL and the reconstruction error move as β grows.</summary>
public static class KlWeightSweep
{
    /// <summary>
    /// One line from the sweep's figures, β in increasing order: whether the KL falls at every step, and by how much the
    /// reconstruction error changes at each step relative to the smaller weight's error, naming the larger change:
    /// "the KL falls at every step as β grows; the error changes by +7.7 % from β = 0 to 0.1 and by +53.4 % from β = 0.1
    /// to 1, the larger change from β = 0.1 to 1".
    /// </summary>
    public static string Reading(IReadOnlyList<double> betas, IReadOnlyList<double> kls, IReadOnlyList<double> errors)
    {
        ArgumentNullException.ThrowIfNull(betas);
        ArgumentNullException.ThrowIfNull(kls);
        ArgumentNullException.ThrowIfNull(errors);
        if (betas.Count < 2 || kls.Count != betas.Count || errors.Count != betas.Count)
            throw new ArgumentException($"KlWeightSweep needs at least two weights and one KL and one error per weight; got {betas.Count} weights, " +
                $"{kls.Count} KLs and {errors.Count} errors.", nameof(betas));
        if (Enumerable.Range(1, betas.Count - 1).Any(i => !(betas[i] > betas[i - 1])))
            throw new ArgumentException($"KlWeightSweep expects the weights in increasing order; got {string.Join(", ", betas)}.", nameof(betas));
        if (errors.Any(e => !(e > 0)))
            throw new ArgumentException("KlWeightSweep expects positive reconstruction errors.", nameof(errors));
        var c = CultureInfo.InvariantCulture;
        string B(double b) => b.ToString("0.###", c);
        bool falls = Enumerable.Range(1, kls.Count - 1).All(i => kls[i] < kls[i - 1]);
        var steps = Enumerable.Range(1, betas.Count - 1)
            .Select(i => (From: betas[i - 1], To: betas[i], Change: (errors[i] - errors[i - 1]) / errors[i - 1])).ToList();
        var largest = steps.MaxBy(s => Math.Abs(s.Change));
        var changes = string.Join(" and ", steps.Select(s => $"by {s.Change.ToString("+0.0%;-0.0%;0.0%", c)} from β = {B(s.From)} to {B(s.To)}"));
        return $"the KL {(falls ? "falls at every step as β grows" : "does not fall at every step")}; the error changes {changes}" +
               (steps.Count > 1 ? $", the larger change from β = {B(largest.From)} to {B(largest.To)}" : "");
    }
}
