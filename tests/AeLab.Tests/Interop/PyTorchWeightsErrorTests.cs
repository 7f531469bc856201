using System.Collections;
using AeLab.Interop;
using AeLab.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Interop;

/// <summary>Bad PyTorch weights files: each is refused with one message that names the file, the tensor and what was expected, and the model is left as it was.</summary>
public class PyTorchWeightsErrorTests : IDisposable, IClassFixture<SeedExports>
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "aelab-ptw-" + Guid.NewGuid().ToString("N"));
    readonly SeedExports exports;
    readonly ITestOutputHelper output;

    public PyTorchWeightsErrorTests(SeedExports exports, ITestOutputHelper output)
    {
        this.exports = exports;
        this.output = output;
        Lab.Init(seed: 4, threads: 1);
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The seed's conv VAE state_dict as PyTorch names it (written from a course ConvVae), edited, in both formats.</summary>
    string[] Files(string name, Func<List<(string Name, Tensor Value)>, List<(string Name, Tensor Value)>> edit)
    {
        using var model = SourceModels.PokemonVae(imageSize: 64);
        var pth = Path.Combine(_dir, "whole.pth");
        PyTorchWeights.SavePth(model, pth);
        var tensors = edit(PyTorchWeights.Read(pth));
        var st = Path.Combine(_dir, name + ".safetensors");
        SafetensorsFile.Write(st, tensors);
        var edited = Path.Combine(_dir, name + ".pth");
        using (var f = File.Create(edited))
            PyTorchPickler.PickleStateDict(f, tensors.ToDictionary(t => t.Name, t => t.Value));
        return new[] { edited, st };
    }

    static Dictionary<string, Tensor> Snapshot(nn.Module m) => m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

    static void Unchanged(nn.Module m, Dictionary<string, Tensor> before)
    {
        foreach (var (k, v) in m.state_dict()) Assert.True(v.equal(before[k]).all().item<bool>(), $"'{k}' changed although the load was refused");
    }

    PyTorchWeightsException Refused(nn.Module model, string file, string? entry = null)
    {
        var before = Snapshot(model);
        var e = Assert.Throws<PyTorchWeightsException>(() => PyTorchWeights.Load(model, file, entry: entry));
        output.WriteLine(e.Message);
        Assert.Equal(Path.GetFullPath(file), e.Path);
        Assert.Contains(Path.GetFullPath(file), e.Message);
        Unchanged(model, before);
        return e;
    }

    [Fact]
    public void A_missing_tensor_is_named_with_its_shape_and_the_models_name_for_it()
    {
        foreach (var file in Files("missing", t => t.Where(x => x.Name != "fc_var.bias").ToList()))
        {
            using var model = SourceModels.PokemonVae(imageSize: 64);
            var e = Refused(model, file);
            Assert.True(e.DoesNotFit);
            Assert.Equal("fc_var.bias", e.Tensor);
            Assert.Contains("lacks tensor 'fc_var.bias' [4] (ConvVae's fcVar.bias), which ConvVae expects", e.Message);
        }
    }

    [Fact]
    public void An_extra_tensor_is_named_with_its_shape()
    {
        foreach (var file in Files("extra", t => t.Append(("encoder.3.0.weight", zeros(8, 256, 3, 3))).ToList()))
        {
            using var model = SourceModels.PokemonVae(imageSize: 64);
            var e = Refused(model, file);
            Assert.Equal("encoder.3.0.weight", e.Tensor);
            Assert.Contains("has tensor 'encoder.3.0.weight' [8, 256, 3, 3], which ConvVae does not have", e.Message);
        }
    }

    [Fact]
    public void A_wrongly_shaped_tensor_gives_both_shapes()
    {
        foreach (var file in Files("shape", t => t.Select(x => x.Name == "fc_mu.weight" ? (x.Name, zeros(8, 256, 1, 1)) : x).ToList()))
        {
            using var model = SourceModels.PokemonVae(imageSize: 64);
            var e = Refused(model, file);
            Assert.Equal("fc_mu.weight", e.Tensor);
            Assert.Contains("tensor 'fc_mu.weight' is [8, 256, 1, 1] in the file but ConvVae expects [4, 256, 1, 1] (its fcMu.weight)", e.Message);
        }
    }

    [Fact]
    public void The_seeds_vae_into_the_courses_smaller_recipe_says_which_configuration_matches()
    {
        using var source = SourceModels.PokemonVae(imageSize: 64);
        var file = Path.Combine(_dir, "vae_model.pth");
        PyTorchWeights.SavePth(source, file);
        using var cpuRecipe = new ConvVae(imageSize: 64, downsamples: 2);
        var e = Refused(cpuRecipe, file);
        Assert.Contains("(14 tensors extra, 0 missing, 16 of another shape or type)", e.Message);
        Assert.Contains("the file has tensors 'encoder.2.0.{bias [256], weight [256, 128, 3, 3]}', which ConvVae does not have", e.Message);
        Assert.Contains("new ConvVae(downsamples: 2)", e.Message);
        Assert.Contains("downsamples: 3", e.Message);
    }

    [Fact]
    public void A_training_checkpoint_names_its_entries_and_loads_with_entry()
    {
        using var source = SourceModels.NotesVae();
        var pth = Path.Combine(_dir, "weights.pth");
        PyTorchWeights.SavePth(source, pth);
        var weights = PyTorchWeights.Read(pth).ToDictionary(t => t.Name, t => t.Value);
        var checkpoint = Path.Combine(_dir, "checkpoint.pth");
        using (var f = File.Create(checkpoint))
            PyTorchPickler.PickleStateDict(f, new Hashtable { ["model_state_dict"] = weights, ["epoch"] = 12 });

        using var model = SourceModels.NotesVae();
        var e = Refused(model, checkpoint);
        Assert.Contains("'epoch' holds a Int32", e.Message);
        Assert.Contains("entry: \"model_state_dict\"", e.Message);
        var report = PyTorchWeights.Load(model, checkpoint, entry: "model_state_dict");
        Assert.Equal(14, report.Tensors);
        foreach (var (k, v) in model.state_dict()) Assert.True(v.equal(source.state_dict()[k]).all().item<bool>());
        Assert.Contains("no entry 'optimizer'", Refused(model, checkpoint, entry: "optimizer").Message);
    }

    [Fact]
    public void Files_that_are_not_state_dicts_say_what_they_are()
    {
        using var model = SourceModels.NotesVae();
        var text = Path.Combine(_dir, "notes.pth");
        File.WriteAllText(text, "these are not weights");
        Assert.Contains("neither a PyTorch state_dict", Refused(model, text).Message);

        var legacy = Path.Combine(_dir, "legacy.pth");
        File.WriteAllBytes(legacy, new byte[] { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8 });
        Assert.Contains("legacy format", Refused(model, legacy).Message);

        var empty = Path.Combine(_dir, "empty.safetensors");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Contains("neither a PyTorch state_dict", Refused(model, empty).Message);

        // A safetensors file cut short: the last tensor's bytes are missing.
        var whole = Path.Combine(_dir, "whole.safetensors");
        PyTorchWeights.SaveSafetensors(model, whole);
        var cut = Path.Combine(_dir, "cut.safetensors");
        var bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(cut, bytes[..^100]);
        var e = Refused(model, cut);
        Assert.Equal("decoder.2.bias", e.Tensor);   // the last tensor, fc5.bias
        Assert.Contains("cannot be read: tensor 'decoder.2.bias' lies at bytes", e.Message);

        var missing = Path.Combine(_dir, "nowhere.pth");
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => PyTorchWeights.Load(model, missing)).Message);
    }

    [PyTorchTheory]
    [InlineData("conv-vae", "__main__.ConvVae")]
    [InlineData("residual-ae", "__main__.ResidualAe")]
    public void A_whole_pickled_model_says_how_to_save_its_state_dict(string seed, string pythonClass)
    {
        var folder = exports.Export(seed);
        using var model = PyTorch.CourseModel(seed);
        var e = Refused(model, Path.Combine(folder, $"{seed}-whole.pth"));
        Assert.False(e.DoesNotFit);
        Assert.Contains($"holds a whole pickled model ({pythonClass})", e.Message);
        Assert.Contains("torch.save(model.state_dict(), 'weights.pth')", e.Message);
    }
}
