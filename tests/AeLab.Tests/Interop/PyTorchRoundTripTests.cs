using AeLab.Interop;
using AeLab.Models;
using AeLab.Models.PixelCnn;
using AeLab.Models.Quantization;
using AeLab.Models.VqGan;
using AeLab.Models.Attention;
using AeLab.Evaluation;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Interop;

/// <summary>seed_models.py's exports, made once for the class: the three seed models' state_dicts, inputs and outputs.</summary>
public sealed class SeedExports : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "aelab-pytorch-" + Guid.NewGuid().ToString("N"));
    readonly HashSet<string> done = new();

    public string Export(string model)
    {
        lock (done)
        {
            if (done.Add(model))
            {
                Directory.CreateDirectory(Folder);
                PyTorch.Run("export", model, Folder);
            }
        }
        return Folder;
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>
/// The course material's PyTorch models (built in Debian's PyTorch by seed_models.py) and the course's models
/// exchange weights both ways and then compute the same outputs from the same input.
/// </summary>
public class PyTorchRoundTripTests(SeedExports exports, ITestOutputHelper output) : IClassFixture<SeedExports>
{
    public static TheoryData<string, string> SeedFiles => new()
    {
        { "conv-vae", "pth" }, { "conv-vae", "safetensors" },
        { "residual-ae", "pth" }, { "residual-ae", "safetensors" },
        { "mlp-vae", "pth" }, { "mlp-vae", "safetensors" },
    };

    [PyTorchTheory]
    [MemberData(nameof(SeedFiles))]
    public void A_seed_models_state_dict_loads_into_the_course_model_with_equal_outputs(string seed, string format)
    {
        Lab.Init(seed: 0, threads: 1);
        var folder = exports.Export(seed);
        using var model = PyTorch.CourseModel(seed);
        var report = PyTorchWeights.Load(model, Path.Combine(folder, $"{seed}.{format}"));
        output.WriteLine(report.ToString());
        Assert.Equal(model.state_dict().Count, report.Tensors);

        var io = SafetensorsFile.Read(Path.Combine(folder, $"{seed}-io.safetensors")).ToDictionary(t => t.Name, t => t.Value);
        var outputs = PyTorch.Outputs(model, io["input"]);
        foreach (var (name, value) in outputs)
        {
            var expected = io[name];
            Assert.Equal(expected.shape, value.shape);
            double diff = (value - expected).abs().max().item<float>();
            double scale = expected.abs().max().item<float>();
            output.WriteLine($"{seed} from .{format}: {name} {string.Join("×", value.shape)}, max |PyTorch − course| = {diff:E2} (max |value| {scale:F3})");
            Assert.True(diff <= 1e-4 * (1 + scale), $"{seed} {name}: max abs difference {diff:E2} from PyTorch's");
        }
    }

    public static TheoryData<string, string> CourseExports => new()
    {
        { "conv-vae", "safetensors" }, { "conv-vae", "pth" },
        { "residual-ae", "safetensors" }, { "residual-ae", "pth" },
        { "mlp-vae", "safetensors" }, { "mlp-vae", "pth" },
    };

    [PyTorchTheory]
    [MemberData(nameof(CourseExports))]
    public void A_course_models_export_loads_into_the_seed_model_in_PyTorch_with_equal_outputs(string seed, string format)
    {
        Lab.Init(seed: 5, threads: 1);
        var folder = Path.Combine(exports.Folder, "course-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        using var model = PyTorch.CourseModel(seed);
        PyTorch.RandomizeNorms(model);
        var weights = Path.Combine(folder, $"{seed}.{format}");
        if (format == "pth") PyTorchWeights.SavePth(model, weights);
        else PyTorchWeights.SaveSafetensors(model, weights);

        var x = seed == "mlp-vae" ? rand(5, 256) : rand(2, 3, 64, 64) * 2 - 1;
        var outputs = PyTorch.Outputs(model, x);
        var io = Path.Combine(folder, $"{seed}-io.safetensors");
        SafetensorsFile.Write(io, new[] { ("input", x) }.Concat(outputs.Select(kv => (kv.Key, kv.Value))));

        var result = PyTorch.Run("check", seed, weights, io);   // load_state_dict(strict=True) in PyTorch, then the outputs
        foreach (var p in result.GetProperty("max_abs_diff").EnumerateObject())
        {
            double diff = p.Value.GetDouble();
            double scale = outputs[p.Name].abs().max().item<float>();
            output.WriteLine($"{seed} exported as .{format}: {p.Name}, max |PyTorch − course| = {diff:E2} (max |value| {scale:F3})");
            Assert.True(diff <= 1e-4 * (1 + scale), $"{seed} {p.Name}: max abs difference {diff:E2} in PyTorch");
        }
    }

    /// <summary>Every kind of course model, small.</summary>
    public static IEnumerable<(string Name, Func<nn.Module> Build)> CourseModels() => new (string, Func<nn.Module>)[]
    {
        ("MlpAutoencoder", () => new MlpAutoencoder(latentSize: 4, hidden: new[] { 16 })),
        ("DenoisingAutoencoder", () => new DenoisingAutoencoder(inner: new MlpAutoencoder(latentSize: 4, hidden: new[] { 16 }))),
        ("DropoutAutoencoder", () => new DropoutAutoencoder(latentSize: 4, hidden: new[] { 16 })),
        ("AdversarialAutoencoder", () => new AdversarialAutoencoder(latentSize: 2, hidden: new[] { 16 }, discriminatorHidden: 8)),
        ("MlpVae", () => new MlpVae(latentSize: 3, hidden: 16)),
        ("ConvVae", () => new ConvVae(imageSize: 32, downsamples: 2)),
        ("ResidualConvAutoencoder", () => new ResidualConvAutoencoder(latentSize: 8, width: 4, convsPerSide: 1)),
        ("VqVae", () => new VqVae(3, 16, new VectorQuantizer(16, 8), hidden: 16)),
        ("VqVae+EMA", () => new VqVae(1, 16, new EmaVectorQuantizer(16, 8), hidden: 16)),
        ("VqGanModel", () => new VqGanModel(new VectorQuantizer(16, 8), channels: 16)),
        ("PatchDiscriminator", () => new PatchDiscriminator(baseChannels: 8, layers: 2)),
        ("PixelCnnPrior", () => new PixelCnnPrior(16, 4, 4, channels: 8, blocks: 2, embedDim: 4)),
        ("AutoregressivePrior", () => new AutoregressivePrior(16, 4, 4, dim: 16, heads: 2, layers: 1)),
        ("MaskGitPrior", () => new MaskGitPrior(new TokenTransformer(17, 16, 16, 2, 1, causal: false), 16, 4, 4)),
        ("FashionClassifier", () => new FashionClassifier(featureSize: 16)),
    };

    [PyTorchFact]
    public void Every_course_model_exports_safetensors_and_pth_that_PyTorch_reads()
    {
        Lab.Init(seed: 6, threads: 1);
        var folder = Path.Combine(exports.Folder, "every-" + Guid.NewGuid().ToString("N"));
        var models = CourseModels().Select(m => (m.Name, m.Build, Model: m.Build())).ToList();
        var files = new List<(string File, string Name, nn.Module Model)>();
        foreach (var (name, _, model) in models)
            foreach (var format in new[] { "safetensors", "pth" })
            {
                var file = Path.Combine(folder, $"{name}.{format}");
                if (format == "pth") PyTorchWeights.SavePth(model, file); else PyTorchWeights.SaveSafetensors(model, file);
                files.Add((file, name, model));
            }
        var read = PyTorch.Run(new[] { "read" }.Concat(files.Select(f => f.File)).ToArray());   // safetensors by hand, .pth by torch.load

        foreach (var (file, name, model) in files)
        {
            var names = PyTorchNames.Of(model);
            var state = model.state_dict();
            var seen = read.GetProperty(file).EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
            Assert.Equal(state.Count, seen.Count);
            foreach (var (course, py) in names.Pairs)
            {
                Assert.True(seen.TryGetValue(py, out var e), $"{Path.GetFileName(file)}: PyTorch did not find '{py}'");
                Assert.Equal(state[course].shape, e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
                double sum = state[course].to(float64).sum().item<double>();
                Assert.True(Math.Abs(sum - e.GetProperty("sum").GetDouble()) <= 1e-6 * (1 + Math.Abs(sum)),
                    $"{Path.GetFileName(file)}: '{py}' sums to {e.GetProperty("sum")} in PyTorch, {sum} here");
            }
            // And back: the file loads into a fresh model of the same kind, equal to the bit.
            using var again = models.First(m => m.Name == name).Build();
            PyTorchWeights.Load(again, file);
            foreach (var (k, v) in again.state_dict()) Assert.True(v.equal(state[k]).all().item<bool>(), $"{Path.GetFileName(file)}: '{k}' changed on the way back");
            if (file.EndsWith(".pth")) output.WriteLine($"{name}: {state.Count} tensors, names {names.Description}");
        }
        foreach (var m in models) m.Model.Dispose();
    }
}
