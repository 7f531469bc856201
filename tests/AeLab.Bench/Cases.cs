using AeLab.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Bench;

/// <summary>A built model ready to time: its training loss, its inference (encode + decode) and its optimizer.</summary>
public sealed record Built(nn.Module Module, Func<Tensor, Tensor> Loss, Func<Tensor, Tensor> Infer, optim.Optimizer Optimizer) : IDisposable
{
    public void Dispose()
    {
        Optimizer.Dispose();
        Module.Dispose();
    }
}

/// <summary>One model of the course at its lesson's default batch.</summary>
/// <param name="Name">Short name used on the command line and by the PyTorch twin (tests/bench/twin.py).</param>
/// <param name="Lesson">Where the model is taught, and the recipe the case copies.</param>
/// <param name="ForwardMacs">Multiply-accumulates of one forward pass over the batch, from the layer shapes (see <see cref="Flops"/>).</param>
/// <param name="Twin">Whether tests/bench/twin.py has a PyTorch twin of it.</param>
/// <param name="Walk">The training step layer by layer, for the bytes it moves (see <see cref="Traffic"/> and <see cref="Walks"/>).</param>
public sealed record BenchCase(string Name, string Lesson, int Batch, Func<long, Tensor> Input, Func<Built> Build, Func<long, double> ForwardMacs, bool Twin = true,
    Func<long, Traffic>? Walk = null);

public static class Cases
{
    public static IReadOnlyList<BenchCase> All { get; } = new List<BenchCase>
    {
        new("mlp-ae", "lesson 01: 784-256-128-20 MLP AE, Fashion-MNIST, Adam 1e-3", 512,
            b => rand(b, 1, 28, 28),
            () =>
            {
                var m = new MlpAutoencoder(new long[] { 1, 28, 28 }, 20, new[] { 256, 128 });
                return new Built(m, x => m.Loss(x).Loss, x => m.Decode(m.Encode(x)), optim.Adam(m.parameters(), 1e-3));
            },
            b => LinearMacs(new MlpAutoencoder(), b), Walk: b => Walks.MlpAe(b)),

        new("mlp-vae", "lesson 07: 784-128-10 MLP VAE, Fashion-MNIST, Adam 1e-3", 128,
            b => rand(b, 1, 28, 28),
            () =>
            {
                var m = new MlpVae(10, 128);
                return new Built(m, x => m.Loss(x).Loss, x => m.Decode(m.Encode(x)), optim.Adam(m.parameters(), 1e-3));
            },
            b => LinearMacs(new MlpVae(10, 128), b), Walk: b => Walks.MlpVae(b)),

        new("res-ae-64", "lesson 04: residual-block conv AE (width 32, 4 convs/side), Pokémon 64 px, Adam 2e-4", 64,
            b => rand(b, 3, 64, 64),
            () =>
            {
                var m = new ResidualConvAutoencoder(128, 32, 4, 64);
                return new Built(m, x => m.Loss(x).Loss, x => m.Decode(m.Encode(x)), optim.Adam(m.parameters(), 2e-4));
            },
            b => ResidualAeMacs(b, 32, 4, 64, 128), Walk: b => Walks.ResidualAe(b)),

        ConvVaeCase(128),
        ConvVaeCase(512),
    }.Concat(VqCases.All()).ToList();

    static BenchCase ConvVaeCase(int size) => new($"conv-vae-{size}",
        $"lesson 08: conv VAE 3×{size}² → 4×{size / 8}², Pokémon {size} px, AdamW 1e-3", 8,
        b => rand(b, 3, size, size) * 2 - 1,
        () =>
        {
            var m = new ConvVae();
            return new Built(m, x => m.Loss(x).Loss, x => m.Decode(m.Encode(x)), optim.AdamW(m.parameters(), 1e-3, weight_decay: 1e-4));
        },
        b => ConvVaeMacs(b, size), Walk: b => Walks.ConvVae(b, size));

    /// <summary>Every Linear applied once per sample (true of the MLP models).</summary>
    static double LinearMacs(nn.Module model, long batch)
    {
        using (model)
            return model.modules().OfType<Linear>().Sum(l => Flops.Linear(batch, l.weight!.shape[1], l.weight!.shape[0]));
    }

    /// <summary>ResidualConvAutoencoder: four encoder blocks (n → (n−3)/2+1), linear code, four transposed blocks (n → 2n+1), 1×1 conv.</summary>
    public static double ResidualAeMacs(long n, int width, int convs, int size, int latent)
    {
        long[] ch = { 3, width, 2 * width, 4 * width, 8 * width };
        double macs = 0;
        long s = size;
        for (int i = 0; i < 4; i++)
        {
            long cin = ch[i], cout = ch[i + 1], s2 = (s - 3) / 2 + 1;
            macs += convs * Flops.Conv(n, cin, cin, 3, s, s) + Flops.Conv(n, cin, cout, 3, s2, s2)
                  + convs * Flops.Conv(n, cout, cout, 3, s2, s2) + Flops.Conv(n, cin, cout, 3, s2, s2); // main path + shortcut
            s = s2;
        }
        macs += Flops.Linear(n, ch[4] * s * s, latent) + Flops.Linear(n, latent, ch[4] * 16);
        s = 4;
        for (int i = 4; i > 0; i--)
        {
            long cin = ch[i], cout = ch[i - 1], s2 = 2 * s + 1;
            macs += convs * Flops.ConvTranspose(n, cin, cin, 3, s, s) + Flops.ConvTranspose(n, cin, cout, 3, s, s)
                  + convs * Flops.ConvTranspose(n, cout, cout, 3, s2, s2) + Flops.ConvTranspose(n, cin, cout, 3, s, s);
            s = s2;
        }
        return macs + Flops.Conv(n, 3, 3, 1, size, size);
    }

    /// <summary>ConvVae at S px: three stride-2 3×3 convs, two 1×1 heads, a 1×1 transposed conv, three stride-2 transposed convs.</summary>
    public static double ConvVaeMacs(long n, int size)
    {
        long s2 = size / 2, s4 = size / 4, s8 = size / 8;
        return Flops.Conv(n, 3, 64, 3, s2, s2) + Flops.Conv(n, 64, 128, 3, s4, s4) + Flops.Conv(n, 128, 256, 3, s8, s8)
             + 2 * Flops.Conv(n, 256, 4, 1, s8, s8)
             + Flops.ConvTranspose(n, 4, 256, 1, s8, s8)
             + Flops.ConvTranspose(n, 256, 128, 3, s8, s8) + Flops.ConvTranspose(n, 128, 64, 3, s4, s4) + Flops.ConvTranspose(n, 64, 3, 3, s2, s2);
    }

    public static BenchCase Find(string name) =>
        All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"Unknown case '{name}'. Cases: {string.Join(", ", All.Select(c => c.Name))}.", nameof(name));
}
