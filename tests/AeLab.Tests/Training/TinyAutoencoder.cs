using AeLab.Data;
using AeLab.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

/// <summary>Sizes of <see cref="TinyAutoencoder"/>, stored in checkpoints as its configuration.</summary>
public sealed record TinyConfig(int Inputs = 16, int Hidden = 8, int Code = 4);

/// <summary>A small MLP autoencoder for trainer tests: fast, deterministic, MSE loss with an extra metric.</summary>
public sealed class TinyAutoencoder : nn.Module<Tensor, Tensor>, IAutoencoder
{
    readonly Sequential encoder;
    readonly Sequential decoder;
    readonly int _code, _inputs;
    int _steps;

    /// <summary>After this many calls to Loss in training mode, the loss turns NaN (to test divergence handling).</summary>
    public int? PoisonAfter { get; set; }

    public TinyAutoencoder(TinyConfig c) : base(nameof(TinyAutoencoder))
    {
        _code = c.Code; _inputs = c.Inputs;
        encoder = nn.Sequential(nn.Linear(c.Inputs, c.Hidden), nn.ReLU(), nn.Linear(c.Hidden, c.Code));
        decoder = nn.Sequential(nn.Linear(c.Code, c.Hidden), nn.ReLU(), nn.Linear(c.Hidden, c.Inputs));
        RegisterComponents();
    }

    public long[] InputShape => new long[] { _inputs };
    public long[] LatentShape => new long[] { _code };
    public override Tensor forward(Tensor x) => Decode(Encode(x));
    public Tensor Encode(Tensor x) => encoder.forward(x);
    public Tensor Decode(Tensor z) => decoder.forward(z);
    public Tensor Sample(int n) => Decode(randn(n, _code));

    /// <summary>Standard deviation of Gaussian noise added to the input in training (a denoising AE; random like a VAE's sampling).</summary>
    public double InputNoise { get; set; }

    public LossOutput Loss(Tensor x)
    {
        var input = training && InputNoise > 0 ? x + randn_like(x) * InputNoise : x;
        var mse = nn.functional.mse_loss(forward(input), x);
        var loss = mse;
        if (training && PoisonAfter is int k && ++_steps > k) loss = loss * float.NaN;
        return new LossOutput(loss, new Dictionary<string, Tensor> { ["mse"] = mse, ["half_mse"] = mse / 2 });
    }
}

/// <summary>Synthetic data: a fixed tensor cut into batches, reshuffled each pass from the torch generator
/// (like a shuffling data loader, so resume tests cover the data order too).</summary>
public sealed class SyntheticBatches : IEnumerable<Batch>
{
    readonly Tensor _data;
    readonly int _batch;
    readonly bool _shuffle;

    public SyntheticBatches(int n = 64, int features = 16, int batch = 8, bool shuffle = true, long seed = 7)
    {
        var g = new Generator((ulong)seed);
        // Low-rank structure so a 4-dim code can learn it.
        _data = matmul(rand(n, 4, generator: g), rand(4, features, generator: g)).DetachFromDisposeScope();
        _batch = batch;
        _shuffle = shuffle;
    }

    public int Count => (int)(_data.shape[0] / _batch);

    public IEnumerator<Batch> GetEnumerator()
    {
        using var perm = _shuffle ? randperm(_data.shape[0]) : arange(_data.shape[0]);
        var order = perm.data<long>().Select(v => (int)v).ToArray();
        for (int i = 0; i + _batch <= order.Length; i += _batch)
        {
            using var idx = tensor(order[i..(i + _batch)].Select(v => (long)v).ToArray());
            yield return new Batch(_data.index_select(0, idx));
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
