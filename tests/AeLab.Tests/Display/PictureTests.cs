using AeLab.Display;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Tests.Display;

public class PictureTests
{
    public PictureTests() => Lab.Init();

    [Fact]
    public void Png_round_trip_keeps_dimensions()
    {
        using var x = rand(3, 1, 7, 5);
        var p = Images.Grid(x, nrow: 3, padding: 1);
        var again = new Picture(p.ToPng());
        Assert.Equal((p.Width, p.Height), (again.Width, again.Height));
        Assert.Equal((1 + 3 * 6, 1 + 8), (again.Width, again.Height));
    }

    [Fact]
    public void Save_writes_a_valid_png_and_leaves_no_temporary_file()
    {
        var dir = Directory.CreateTempSubdirectory("aelab-picture-");
        try
        {
            using var x = rand(1, 8, 8);
            var path = Images.Grid(x).Save(Path.Combine(dir.FullName, "sub", "grid.png"));
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
            Assert.Equal((12, 12), (new Picture(bytes).Width, new Picture(bytes).Height));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Not_a_png_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Picture([1, 2, 3]));
    }
}
