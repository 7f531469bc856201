using System.Diagnostics;
using System.Text.Json;
using AeLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Interop;

/// <summary>Debian's PyTorch (python3-torch, run with /usr/bin/python3) and the seed models script next to this file.</summary>
static class PyTorch
{
    /// <summary>/usr/bin/python3 (Debian's, not a pyenv python first on PATH), or the interpreter AELAB_PYTORCH_PYTHON names.</summary>
    public static readonly string Python = Environment.GetEnvironmentVariable("AELAB_PYTORCH_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    static readonly Lazy<string?> missing = new(() =>
    {
        if (!File.Exists(Python)) return $"{Python} does not exist: install Debian's python3-torch (bash lib/setup.sh --tests) to run the PyTorch round trips";
        try
        {
            var (code, _, err) = RunRaw("-c", "import torch");
            return code == 0 ? null : $"{Python} cannot import torch ({err.Trim().Split('\n').Last()}): install Debian's python3-torch (bash lib/setup.sh --tests) to run the PyTorch round trips";
        }
        catch (Exception e) { return $"{Python} did not run ({e.Message})"; }
    });

    /// <summary>Why the PyTorch tests cannot run here, or null when they can.</summary>
    public static string? Missing => missing.Value;

    public static string Script => Path.Combine(Course.Root!, "tests", "AeLab.Tests", "Interop", "seed_models.py");

    /// <summary>Runs seed_models.py with the arguments; returns its one JSON line.</summary>
    public static JsonElement Run(params string[] args)
    {
        var (code, output, err) = RunRaw(new[] { Script }.Concat(args).ToArray());
        if (code != 0) throw new Exception($"seed_models.py {string.Join(' ', args)} failed (exit {code}):\n{err}");
        return JsonDocument.Parse(output.Trim().Split('\n').Last()).RootElement.Clone();
    }

    static (int Code, string Out, string Err) RunRaw(params string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{Python} {string.Join(' ', args)} ran over 5 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The course model each seed script model maps to, as the course builds it.</summary>
    public static nn.Module<Tensor, Tensor> CourseModel(string seedModel) => seedModel switch
    {
        "conv-vae" => AeLab.Interop.SourceModels.PokemonVae(imageSize: 64),
        "residual-ae" => AeLab.Interop.SourceModels.CelebAAutoencoder(),
        "mlp-vae" => AeLab.Interop.SourceModels.NotesVae(),
        _ => throw new ArgumentException(seedModel),
    };

    /// <summary>The outputs seed_models.py computes, in eval mode, from the course model: the same names, the same scale.</summary>
    public static Dictionary<string, Tensor> Outputs(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        model.eval();
        using var _ = no_grad();
        switch (model)
        {
            case ConvVae v:
            {
                var (mu, logvar) = v.EncodeDistribution(x);
                return new() { ["mu"] = mu, ["logvar"] = logvar, ["reconstruction"] = v.Decode(mu) };
            }
            case MlpVae v:
            {
                var (mu, logvar) = v.EncodeDistribution(x);
                return new() { ["mu"] = mu, ["logvar"] = logvar, ["reconstruction"] = v.Decode(mu) };
            }
            case ResidualConvAutoencoder r:
            {
                // The course model takes and gives images in [0, 1]; the seed's network works in [-1, 1].
                var code = r.Encode((x + 1) / 2);
                return new() { ["code"] = code, ["reconstruction"] = r.Decode(code) * 2 - 1 };
            }
            default: throw new ArgumentException(model.GetType().Name);
        }
    }

    /// <summary>BatchNorm layers get scales, shifts and running statistics a trained model could have (not 1, 0, 0, 1), so a misplaced buffer shows.</summary>
    public static void RandomizeNorms(nn.Module model)
    {
        var state = model.state_dict();
        using var _ = no_grad();
        foreach (var key in state.Keys.Where(k => k.EndsWith(".running_mean")).ToList())
        {
            var prefix = key[..^".running_mean".Length];
            state[prefix + ".weight"].uniform_(0.5, 1.5);
            state[prefix + ".bias"].uniform_(-0.3, 0.3);
            state[key].uniform_(-0.2, 0.2);
            state[prefix + ".running_var"].uniform_(0.5, 2.0);
            state[prefix + ".num_batches_tracked"].fill_(7);
        }
    }
}

/// <summary>A test that needs Debian's PyTorch: skipped, with the reason, where /usr/bin/python3 cannot import torch.</summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    public PyTorchFactAttribute() { if (PyTorch.Missing is { } why) Skip = why; }
}

/// <summary>A theory that needs Debian's PyTorch (see <see cref="PyTorchFactAttribute"/>).</summary>
public sealed class PyTorchTheoryAttribute : TheoryAttribute
{
    public PyTorchTheoryAttribute() { if (PyTorch.Missing is { } why) Skip = why; }
}
