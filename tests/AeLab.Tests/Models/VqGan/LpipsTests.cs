using AeLab.Models.VqGan;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Models.VqGan;

public class LpipsTests
{
    static string TempFile(string ext) => Path.Combine(Path.GetTempPath(), $"aelab-lpips-{Guid.NewGuid():N}{ext}");

    static Lpips WithDistinctWeights(int divisor)
    {
        var m = new Lpips(divisor);
        using (no_grad())
            foreach (var p in m.parameters()) p.uniform_(0.01, 0.1);
        return m;
    }

    [Theory]
    [InlineData(".dat")]
    [InlineData(".ckpt")]
    public void Weights_written_to_a_file_load_back_and_give_the_same_distances(string ext)
    {
        Lab.Init(seed: 0);
        var path = TempFile(ext);
        try
        {
            var source = WithDistinctWeights(8);
            if (ext == ".dat") source.save(path); else Checkpoint.Save(path, source);
            var loaded = Lpips.FromFile(path, widthDivisor: 8);
            var a = rand(2, 3, 32, 32) * 2 - 1;
            var b = rand(2, 3, 32, 32) * 2 - 1;
            source.eval();
            var expected = source.forward(a, b);
            var actual = loaded.forward(a, b);
            Assert.Equal(new long[] { 2 }, actual.shape);
            Assert.True(actual.allclose(expected, 1e-5, 1e-6));
            Assert.True(actual.min().item<float>() > 0);
            Assert.Equal(0.0, loaded.forward(a, a).abs().max().item<float>(), 6);
            Assert.All(loaded.parameters(), p => Assert.False(p.requires_grad));
            // A fresh network of the same shape gives other distances: the file really was read.
            Assert.False(new Lpips(8).forward(a, b).allclose(expected, 1e-3, 1e-3));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_missing_file_names_the_file_and_how_to_get_weights()
    {
        Lab.Init();
        var path = TempFile(".dat");
        var e = Assert.Throws<FileNotFoundException>(() => Lpips.FromFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("exportsd.py", e.Message);
        Assert.Contains("feature-matching", e.Message);
    }

    [Theory]
    [InlineData(".dat")]
    [InlineData(".ckpt")]
    public void A_file_with_wrong_shapes_gives_a_clear_message(string ext)
    {
        Lab.Init(seed: 0);
        var path = TempFile(ext);
        try
        {
            var narrow = new Lpips(8);
            if (ext == ".dat") narrow.save(path); else Checkpoint.Save(path, narrow);
            var e = Assert.Throws<InvalidDataException>(() => Lpips.FromFile(path, widthDivisor: 4));
            Assert.Contains(path, e.Message);
            Assert.Contains("does not fit the LPIPS network", e.Message);
            Assert.Contains("features.0.weight [16×3×3×3]", e.Message);
        }
        finally { File.Delete(path); }
    }
}
