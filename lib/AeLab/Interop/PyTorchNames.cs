using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Interop;

/// <summary>
/// How one course model's tensor names read in a PyTorch state_dict. The course's models name their layers in C#
/// (<c>fcMu</c>); a PyTorch model names them after its attributes (<c>fc_mu</c>). <see cref="Of"/> gives, for the
/// three course models that have a PyTorch counterpart in the course material, that counterpart's names:
/// <list type="bullet">
/// <item><see cref="ConvVae"/> ↔ the Pokémon tutorial's <c>VAE</c>: <c>fcMu</c>, <c>fcVar</c>, <c>decoderInput</c>
/// are <c>fc_mu</c>, <c>fc_var</c>, <c>decoder_input</c>; the encoder's and decoder's blocks are named alike
/// (<c>encoder.0.0.weight</c>, <c>decoder.2.1.running_var</c>).</item>
/// <item><see cref="ResidualConvAutoencoder"/> ↔ the CelebA tutorial's <c>encoder</c> and <c>decoder</c> Sequentials
/// (held as <c>.encoder</c> and <c>.decoder</c> by its model): each <c>Block</c>'s <c>s</c> and <c>res</c> are
/// the course's <c>main</c> and <c>shortcut</c>.</item>
/// <item><see cref="MlpVae"/> ↔ the "VAE series" notes' <c>VAE</c> (fixed as lesson 06 fixes it): <c>encoder.0</c>,
/// <c>encoder.2</c>, <c>mean_layer</c>, <c>std_layer</c> (which predicts log σ² once fixed),
/// <c>generation_layer.0</c>, <c>decoder.0</c>, <c>decoder.2</c> are <c>fc1</c>, <c>encoderHidden.0</c>, <c>fcMu</c>,
/// <c>fcLogvar</c>, <c>fc4</c>, <c>decoderHidden.0</c>, <c>fc5</c>.</item>
/// </list>
/// Every other model keeps its own names (<see cref="Same"/>); a PyTorch model written to match it then names its
/// attributes as the C# fields are named. <see cref="Rename"/> builds a map of your own.
/// </summary>
public sealed class PyTorchNames
{
    readonly Dictionary<string, string> toPyTorch = new(), toCourse = new();

    /// <summary>What the map is, for messages: "the Pokémon tutorial's VAE: fc_mu → fcMu, …", or "the course's own names".</summary>
    public string Description { get; }

    /// <summary>The PyTorch model the names belong to, and how to build the course model that matches it (for messages).</summary>
    public string Counterpart { get; }

    /// <summary>True when no name changes.</summary>
    public bool IsSame => toPyTorch.All(kv => kv.Key == kv.Value);

    PyTorchNames(nn.Module model, Func<string, string> rename, string description, string counterpart)
    {
        foreach (var name in model.state_dict().Keys)
        {
            var py = rename(name);
            if (toCourse.TryGetValue(py, out var other))
                throw new ArgumentException($"The renaming gives '{other}' and '{name}' of {model.GetType().Name} the same PyTorch name '{py}'.", nameof(rename));
            toPyTorch[name] = py;
            toCourse[py] = name;
        }
        Description = description;
        Counterpart = counterpart;
    }

    /// <summary>The PyTorch name of the model's tensor <paramref name="courseName"/> (itself when it is not the model's).</summary>
    public string ToPyTorch(string courseName) => toPyTorch.GetValueOrDefault(courseName, courseName);

    /// <summary>The model's name for a PyTorch tensor name, or null when the model has no such tensor.</summary>
    public string? ToCourse(string pyTorchName) => toCourse.GetValueOrDefault(pyTorchName);

    /// <summary>Every tensor of the model: (its name in the course, its name in PyTorch), in the model's order.</summary>
    public IEnumerable<(string Course, string PyTorch)> Pairs => toPyTorch.Select(kv => (kv.Key, kv.Value));

    /// <summary>The model's own names, unchanged.</summary>
    public static PyTorchNames Same(nn.Module model) =>
        new(model, n => n, "the course's own names", $"a PyTorch model whose attributes are named like {model.GetType().Name}'s fields");

    /// <summary>A map of your own: <paramref name="rename"/> turns each of the model's tensor names into the PyTorch model's.</summary>
    public static PyTorchNames Rename(nn.Module model, Func<string, string> rename, string description = "a renaming of your own") =>
        new(model, rename, description, "the PyTorch model the renaming was written for");

    /// <summary>The names of the model's PyTorch counterpart in the course material (see the class summary), else <see cref="Same"/>.</summary>
    public static PyTorchNames Of(nn.Module model) => model switch
    {
        ConvVae v => new(model, ConvVaeName, "the Pokémon tutorial's VAE: fc_mu → fcMu, fc_var → fcVar, decoder_input → decoderInput",
            $"the Pokémon tutorial's VAE(in_channels={v.InChannels}, latent_dim={v.LatentChannels})" +
            (v.Downsamples == 3 ? $" (= new ConvVae(inChannels: {v.InChannels}, latentChannels: {v.LatentChannels}), at any image size)"
                                : $" with {v.Downsamples} conv blocks per side instead of its 3 (= new ConvVae(downsamples: {v.Downsamples}); the tutorial's has downsamples: 3)")),
        ResidualConvAutoencoder => new(model, ResidualName, "the CelebA tutorial's encoder and decoder: in every Block s → main, res → shortcut",
            "the CelebA tutorial's encoder and decoder Sequentials held as .encoder and .decoder (= new ResidualConvAutoencoder() with its defaults: width 32, 4 convolutions per side, latent 128, 64 px)"),
        MlpVae m => MlpVaeNames(m),
        _ => Same(model),
    };

    static string ConvVaeName(string name) => FirstSegment(name) switch
    {
        "fcMu" => "fc_mu" + name["fcMu".Length..],
        "fcVar" => "fc_var" + name["fcVar".Length..],
        "decoderInput" => "decoder_input" + name["decoderInput".Length..],
        _ => name,
    };

    static string ResidualName(string name)
    {
        var parts = name.Split('.');
        // encoder.N.main.* / decoder.N.shortcut.*: the block's own fields are the third segment.
        if (parts.Length > 3 && parts[0] is "encoder" or "decoder")
            parts[2] = parts[2] switch { "main" => "s", "shortcut" => "res", var p => p };
        return string.Join('.', parts);
    }

    static PyTorchNames MlpVaeNames(MlpVae m)
    {
        int more = m.HiddenLayers.Length - 1;
        var modules = new List<(string Course, string PyTorch)> { ("fc1", "encoder.0") };
        for (int i = 0; i < more; i++) modules.Add(($"encoderHidden.{i}", $"encoder.{2 * (i + 1)}"));
        modules.Add(("fcMu", "mean_layer"));
        modules.Add(("fcLogvar", "std_layer"));
        modules.Add(("fc4", "generation_layer.0"));
        for (int i = 0; i < more; i++) modules.Add(($"decoderHidden.{i}", $"decoder.{2 * i}"));
        modules.Add(("fc5", $"decoder.{2 * more}"));
        string Rename(string name)
        {
            foreach (var (c, p) in modules)
                if (name.StartsWith(c + ".", StringComparison.Ordinal)) return p + name[c.Length..];
            return name;
        }
        var input = m.InputShape.Aggregate(1L, (a, b) => a * b);
        var widths = string.Join(" → ", new[] { input }.Concat(m.HiddenLayers.Select(w => (long)w)).Append(m.LatentSize));
        return new PyTorchNames(m, Rename,
            "the \"VAE series\" notes' VAE: " + string.Join(", ", modules.Select(x => $"{x.PyTorch} → {x.Course}")),
            $"the \"VAE series\" notes' VAE (fixed) with layers {widths} (= new MlpVae(latentSize: 2, imageShape: new long[] {{ 256 }}, hiddenLayers: new[] {{ 64, 32 }}, leakySlope: 0.2) for its defaults)");
    }

    static string FirstSegment(string name) => name.Split('.')[0];
}
