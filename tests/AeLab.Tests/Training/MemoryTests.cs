using AeLab.Data;
using AeLab.Models;
using AeLab.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

/// <summary>Tests that read the process's resident memory: they run alone, after the parallel tests, because any other
/// test running at the same time grows the same RSS.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection { public const string Name = "Process memory (runs alone)"; }

[Collection(ProcessMemoryCollection.Name)]
public class MemoryTests(ITestOutputHelper output)
{
    /// <summary>An MNIST-sized MLP autoencoder (784-128-16) for the memory check.</summary>
    sealed class SmallAe : nn.Module<Tensor, Tensor>, IAutoencoder
    {
        readonly Sequential net;
        public SmallAe() : base(nameof(SmallAe))
        {
            net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 16), nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 784));
            RegisterComponents();
        }
        public long[] InputShape => new long[] { 784 };
        public long[] LatentShape => new long[] { 16 };
        public override Tensor forward(Tensor x) => net.forward(x);
        public Tensor Encode(Tensor x) => throw new NotSupportedException();
        public Tensor Decode(Tensor z) => throw new NotSupportedException();
        public Tensor Sample(int n) => throw new NotSupportedException();
        public LossOutput Loss(Tensor x) => new(nn.functional.binary_cross_entropy_with_logits(forward(x), x));
    }

    /// <summary>A streaming source like a data loader: new batch tensors every step (disposed by the trainer).</summary>
    static IEnumerable<Batch> Stream(int batches, int size)
    {
        for (int i = 0; i < batches; i++) yield return new Batch(rand(size, 784));
    }

    [Fact]
    public void Native_memory_stays_flat_across_epochs()
    {
        if (Memory.ResidentBytes() == null) return; // no /proc (not Linux)
        Lab.Init(seed: 0, threads: 1);
        var model = new SmallAe();
        using var opt = optim.Adam(model.parameters(), 1e-3);
        var result = new Trainer(model, opt)
        {
            Quiet = true, TrackMemory = true, Validation = Stream(4, 64).ToList(),
        }.Fit(Stream(40, 64), 24);
        // Stream() above is one enumerable object whose iterator restarts each epoch.

        // The allocator warms up first: run alone, RSS rose for about ten epochs to a plateau and then stayed within
        // 1 MiB for twenty more. So compare the second half of the run, where a leak (memory per step) keeps growing.
        var rss = result.Curve("rss_mib");
        double ratio = rss[23] / rss[11];
        output.WriteLine($"RSS after epoch 12: {rss[11]:0.0} MiB, after epoch 24: {rss[23]:0.0} MiB, ratio {ratio:0.000}");
        output.WriteLine("RSS per epoch (MiB): " + string.Join(" ", rss.Select(r => r.ToString("0.0"))));
        Assert.True(ratio <= 1.1, $"RSS grew from {rss[11]:0.0} to {rss[23]:0.0} MiB (ratio {ratio:0.000}) after the warm-up: native memory leaks per step.");
    }
}
