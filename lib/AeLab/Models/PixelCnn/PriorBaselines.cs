using System.Globalization;

namespace AeLab.Models.PixelCnn;

/// <summary>
/// A prior over code maps against the two baselines without context: a uniform guess (ln K nats per token) and a model
/// that knows only how often each code occurs (ln of the codes' perplexity). The gap to the second is what context adds.
/// </summary>
public static class PriorBaselines
{
    /// <summary>
    /// One line: how far <paramref name="priorNats"/> (the prior's validation cross-entropy per token) lies below the
    /// code-frequency baseline <paramref name="frequencyNats"/>, and which share of its gain over the uniform baseline
    /// <paramref name="uniformNats"/> comes from context; or that it is not below the frequency baseline.
    /// </summary>
    public static string Reading(double priorNats, double frequencyNats, double uniformNats, string prior = "the PixelCNN")
    {
        if (!(uniformNats > 0)) throw new ArgumentOutOfRangeException(nameof(uniformNats), uniformNats, "uniformNats (ln K) must be positive.");
        if (frequencyNats > uniformNats + 1e-9)
            throw new ArgumentOutOfRangeException(nameof(frequencyNats), frequencyNats, $"the code-frequency baseline cannot exceed the uniform one ({uniformNats:F3}): pass ln(perplexity), not the perplexity.");
        var c = CultureInfo.InvariantCulture;
        if (!(priorNats < frequencyNats))
            return $"{prior} is not below the code-frequency baseline ({priorNats.ToString("F3", c)} against {frequencyNats.ToString("F3", c)} nats per token): it has learnt no useful context yet";
        double gap = frequencyNats - priorNats, share = gap / (uniformNats - priorNats);
        return $"{prior} is {gap.ToString("F2", c)} nats per token below the code-frequency baseline: {share.ToString("P0", c)} of its gain over " +
               "a uniform guess comes from context, the rest from code frequencies";
    }
}
