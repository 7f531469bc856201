using AeLab.Display;
using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>One hidden layer's count: how many of its <see cref="Units"/> never fire on the inputs.</summary>
/// <param name="Layer">"encoder 256", "decoder 128": the network half and the layer's width.</param>
public sealed record LayerDeadUnits(string Layer, int Dead, int Units);

/// <summary>The dead units of every hidden layer of a network, layer by layer and in total.</summary>
public sealed class DeadUnitCount
{
    internal DeadUnitCount(IReadOnlyList<LayerDeadUnits> layers) => Layers = layers;

    /// <summary>Per hidden layer, encoder first, in the order the input passes through them.</summary>
    public IReadOnlyList<LayerDeadUnits> Layers { get; }

    /// <summary>Dead units in all hidden layers.</summary>
    public int Dead => Layers.Sum(l => l.Dead);

    /// <summary>Hidden units in all.</summary>
    public int Units => Layers.Sum(l => l.Units);

    /// <summary>Dead ÷ all hidden units.</summary>
    public double Share => Units == 0 ? 0 : (double)Dead / Units;

    /// <summary>The dead units of the layer named <paramref name="layer"/> ("encoder 256").</summary>
    public int this[string layer] => Layers.FirstOrDefault(l => l.Layer == layer)?.Dead
        ?? throw new ArgumentException($"No hidden layer \"{layer}\"; the layers are {string.Join(", ", Layers.Select(l => $"\"{l.Layer}\""))}.", nameof(layer));

    public override string ToString() => string.Join(", ", Layers.Select(l => $"{l.Layer}: {l.Dead}/{l.Units}")) + $" · {Dead}/{Units} in all";
}

/// <summary>
/// Units that never fire (lesson 02). A hidden unit is counted dead on a set of inputs when its pre-activation
/// w·h + b is ≤ 0 for every one of them: behind a ReLU it then outputs 0 and passes back gradient 0 on all of them.
/// Behind a LeakyReLU the same count measures "negative everywhere" (such a unit still passes back α × the gradient).
/// </summary>
public static class DeadUnits
{
    /// <summary>
    /// Runs <paramref name="images"/> through the model's encoder and decoder layer by layer (in eval mode, without
    /// gradients) and counts, for every Linear layer that feeds an activation, the units whose output is ≤ 0 on
    /// every image.
    /// </summary>
    /// <param name="model">A fully connected autoencoder (ReLU or LeakyReLU, with or without dropout).</param>
    /// <param name="images">The inputs, [N, …] with the model's image shape, on the model's device.</param>
    public static DeadUnitCount Count(MlpAutoencoder model, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() < 2 || images.shape.Skip(1).Aggregate(1L, (a, b) => a * b) != model.InputSize)
            throw new ArgumentException(
                $"DeadUnits.Count expects images [N, {string.Join(", ", model.ImageShape)}] (or flat [N, {model.InputSize}]); got [{string.Join(", ", images.shape)}].",
                nameof(images));
        model.eval();
        var found = new List<LayerDeadUnits>();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var h = images.reshape(images.shape[0], model.InputSize);
        foreach (var (part, net) in new[] { ("encoder", model.Encoder), ("decoder", model.DecoderNet) })
        {
            var layers = net.children().Cast<nn.Module<Tensor, Tensor>>().ToList();
            for (int i = 0; i < layers.Count; i++)
            {
                h = layers[i].forward(h);
                if (i + 1 < layers.Count && layers[i] is TorchSharp.Modules.Linear)
                {
                    var units = (int)h.shape[1];
                    var firing = (h > 0).any(0).sum().item<long>();
                    found.Add(new LayerDeadUnits($"{part} {units}", units - (int)firing, units));
                }
            }
        }
        return new DeadUnitCount(found);
    }
}

/// <summary>One trained network of a dead-unit study: its activation, learning rate, count and final training error.</summary>
public sealed record DeadUnitRun(string Activation, double LearningRate, DeadUnitCount Dead, double TrainMse);

/// <summary>Lesson 02's reading of several runs: the table of their counts and a one-line comparison.</summary>
public static class DeadUnitStudy
{
    /// <summary>One row per run: activation, learning rate, the dead units of each hidden layer, in all, and the final
    /// training MSE; under it the one-line <see cref="Reading"/>.</summary>
    public static Table Table(IReadOnlyList<DeadUnitRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("DeadUnitStudy.Table needs at least one run.", nameof(runs));
        var layers = runs[0].Dead.Layers.Select(l => l.Layer).ToArray();
        var table = new Table(new[] { "activation", "learning rate" }.Concat(layers).Concat(new[] { "dead in all", "training MSE" }).ToArray())
            .Format("learning rate", "0.###").Format("training MSE", "F4");
        foreach (var r in runs)
            table.Row(new object?[] { r.Activation, r.LearningRate }
                .Concat(layers.Select(l => (object?)r.Dead[l]))
                .Concat(new object?[] { r.Dead.Dead, r.TrainMse }).ToArray());
        return table.Verdict(Reading(runs));
    }

    /// <summary>
    /// Per activation trained at more than one rate, the dead units in all at the lowest and the highest learning rate;
    /// and, at each rate with more than one run, which activation ended with the lower training MSE: "dead units from
    /// lr 0.001 to 0.01: ReLU 216 → 424; lower training MSE at lr 0.01: LeakyReLU(0.2)".
    /// </summary>
    public static string Reading(IReadOnlyList<DeadUnitRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("DeadUnitStudy.Reading needs at least one run.", nameof(runs));
        var rates = runs.Select(r => r.LearningRate).Distinct().OrderBy(x => x).ToArray();
        static string Rate(double lr) => lr.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        var parts = new List<string>();
        if (rates.Length > 1)
        {
            var changes = runs.GroupBy(r => r.Activation)
                .Select(g => (g.Key, Low: g.FirstOrDefault(r => r.LearningRate == rates[0]), High: g.FirstOrDefault(r => r.LearningRate == rates[^1])))
                .Where(c => c.Low is not null && c.High is not null)
                .Select(c => $"{c.Key} {c.Low!.Dead.Dead} → {c.High!.Dead.Dead}").ToList();
            if (changes.Count > 0) parts.Add($"dead units from lr {Rate(rates[0])} to {Rate(rates[^1])}: {string.Join(", ", changes)}");
        }
        // Which activation fits better, at each rate where there is more than one run to compare.
        var contested = rates.Where(lr => runs.Count(r => r.LearningRate == lr) > 1).ToArray();
        var best = contested.Select(lr => (Lr: lr, Run: runs.Where(r => r.LearningRate == lr).MinBy(r => r.TrainMse)!)).ToList();
        var winners = best.Select(b => b.Run.Activation).Distinct().ToList();
        if (winners.Count == 1)
            parts.Add(contested.Length == 1 ? $"lower training MSE at lr {Rate(contested[0])}: {winners[0]}"
                : $"lower training MSE: {winners[0]} {(contested.Length == 2 ? "at both rates" : "at every rate")}");
        else if (winners.Count > 1)
            parts.Add("lower training MSE: " + string.Join(", ", best.Select(b => $"{b.Run.Activation} at lr {Rate(b.Lr)}")));
        return string.Join("; ", parts);
    }
}
