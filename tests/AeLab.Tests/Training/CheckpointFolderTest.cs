using AeLab.Training;
using Xunit.Abstractions;

namespace AeLab.Tests.Training;

/// <summary>A test class with a fresh folder for checkpoint files (deleted afterwards) and a seeded tiny model.</summary>
public abstract class CheckpointFolderTest : IDisposable
{
    protected readonly ITestOutputHelper _output;
    protected readonly string _dir;

    protected CheckpointFolderTest(ITestOutputHelper output, string prefix)
    {
        _output = output;
        _dir = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Lab.Init(seed: 3, threads: 1);
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected static TinyAutoencoder Model(long seed, TinyConfig? config = null)
    {
        Lab.Seed(seed);
        return new TinyAutoencoder(config ?? new TinyConfig());
    }
}
