using AeLab.Interop;
using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Interop;

public class PyTorchNamesTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "aelab-ptn-" + Guid.NewGuid().ToString("N"));

    public PyTorchNamesTests() => Lab.Init(seed: 8, threads: 1);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_course_MlpVae_keeps_its_tensor_names_and_the_notes_configuration_adds_layers_between()
    {
        // The default network's names are those of its checkpoints and shipped weights: unchanged.
        using var course = new MlpVae(latentSize: 10);
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fcMu.weight", "fcMu.bias", "fcLogvar.weight", "fcLogvar.bias", "fc4.weight", "fc4.bias", "fc5.weight", "fc5.bias" },
            course.state_dict().Keys);
        using var notes = SourceModels.NotesVae();
        var pairs = PyTorchNames.Of(notes).Pairs.Where(p => p.Course.EndsWith(".weight")).Select(p => $"{p.Course}={p.PyTorch}").ToArray();
        Assert.Equal(new[] { "fc1.weight=encoder.0.weight", "encoderHidden.0.weight=encoder.2.weight", "fcMu.weight=mean_layer.weight",
            "fcLogvar.weight=std_layer.weight", "fc4.weight=generation_layer.0.weight", "decoderHidden.0.weight=decoder.0.weight", "fc5.weight=decoder.2.weight" }, pairs);
        Assert.Equal(new long[] { 32, 64 }, notes.state_dict()["encoderHidden.0.weight"].shape);
        Assert.Equal(new long[] { 256, 64 }, notes.state_dict()["fc5.weight"].shape);
        using var x = rand(3, 256);
        Assert.Equal(new long[] { 3, 256 }, notes.forward(x).shape);
    }

    [Fact]
    public void A_file_written_under_the_course_names_loads_too()
    {
        using var source = SourceModels.PokemonVae(imageSize: 32);
        var file = Path.Combine(_dir, "course-names.safetensors");
        PyTorchWeights.SaveSafetensors(source, file, PyTorchNames.Same(source));
        Assert.Contains("fcMu.weight", PyTorchWeights.Read(file).Select(t => t.Name));
        using var model = SourceModels.PokemonVae(imageSize: 32);
        var report = PyTorchWeights.Load(model, file);
        Assert.Equal("the course's own names", report.Names);
        foreach (var (k, v) in model.state_dict()) Assert.True(v.equal(source.state_dict()[k]).all().item<bool>(), k);
    }

    [Fact]
    public void A_renaming_of_your_own_is_used_both_ways()
    {
        using var source = new MlpAutoencoder(latentSize: 3, hidden: new[] { 8 });
        var names = PyTorchNames.Rename(source, n => "net." + n);
        var file = Path.Combine(_dir, "renamed.pth");
        PyTorchWeights.SavePth(source, file, names);
        Assert.All(PyTorchWeights.Read(file), t => Assert.StartsWith("net.", t.Name));
        using var model = new MlpAutoencoder(latentSize: 3, hidden: new[] { 8 });
        Assert.Throws<PyTorchWeightsException>(() => PyTorchWeights.Load(model, file));
        PyTorchWeights.Load(model, file, names);
        foreach (var (k, v) in model.state_dict()) Assert.True(v.equal(source.state_dict()[k]).all().item<bool>(), k);
        Assert.Throws<ArgumentException>(() => PyTorchNames.Rename(source, _ => "same"));
    }
}
