using AeLab.Display;

namespace AeLab.Evaluation;

/// <summary>
/// A Monte Carlo estimate of a gradient from many one-sample estimates (lesson 05): their mean, its standard error and
/// the variance of one estimate, next to the true value.
/// </summary>
public sealed record GradientEstimate(string Method, double Sigma, double TrueGrad, double Mean, double StdError, double Variance)
{
    /// <summary>True when the mean lies within <paramref name="standardErrors"/> standard errors of the true value.</summary>
    public bool Unbiased(double standardErrors = 4) => Math.Abs(Mean - TrueGrad) < standardErrors * StdError;

    /// <summary>
    /// Two estimators compared at each σ, named in the header by short labels (R and S by default): each one's mean of
    /// the one-sample estimates and their variance, the other's variance ÷ the reference's, and the reference's variance
    /// ÷ <paramref name="referenceVariance"/>(σ) when given (its exact value, e.g. 4σ²). The verdict says whether the
    /// other estimator is the noisier at every σ and whether the ratio grows at every step as σ shrinks.
    /// </summary>
    public static Table Table(IReadOnlyList<GradientEstimate> estimates, string reference, string other,
        Func<double, double>? referenceVariance = null, string referenceVarianceName = "4σ²", string referenceLabel = "R", string otherLabel = "S")
    {
        ArgumentNullException.ThrowIfNull(estimates);
        var sigmas = estimates.Select(e => e.Sigma).Distinct().OrderBy(s => s).ToArray();
        GradientEstimate At(string method, double sigma) => estimates.SingleOrDefault(e => e.Method == method && e.Sigma == sigma)
            ?? throw new ArgumentException($"GradientEstimate.Table: no \"{method}\" estimate at σ = {sigma}.", nameof(estimates));
        var (r0, o0) = (referenceLabel, otherLabel);
        var columns = new List<string> { "σ", $"mean {r0}", $"mean {o0}", $"variance {r0}", $"variance {o0}", $"{o0} ÷ {r0}" };
        if (referenceVariance is not null) columns.Add($"{r0} ÷ {referenceVarianceName}");
        var table = new Table(columns.ToArray()).Format("σ", "0.###").Format($"mean {r0}", "F4").Format($"mean {o0}", "F4")
            .Format($"variance {r0}", "G4").Format($"variance {o0}", "G4").Format($"{o0} ÷ {r0}", "0.#");
        if (referenceVariance is not null) table.Format($"{r0} ÷ {referenceVarianceName}", "F3");
        var ratios = new List<double>();
        foreach (var s in sigmas)
        {
            var (r, o) = (At(reference, s), At(other, s));
            ratios.Add(o.Variance / r.Variance);
            var row = new List<object?> { s, r.Mean, o.Mean, r.Variance, o.Variance, ratios[^1] };
            if (referenceVariance is not null) row.Add(r.Variance / referenceVariance(s));
            table.Row(row.ToArray());
        }
        // sigmas ascend, so "grows as σ shrinks" means each ratio is larger than the next one.
        bool grows = ratios.Zip(ratios.Skip(1), (small, large) => small > large).All(x => x);
        return table.Verdict($"{r0} = {reference}, {o0} = {other}: the {other} is {(ratios.All(x => x > 1) ? "noisier at every σ" : "not noisier at every σ")}; " +
                             $"the ratio {(grows ? "grows at every step" : "does not grow at every step")} as σ shrinks");
    }
}
