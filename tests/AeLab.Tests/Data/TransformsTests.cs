using AeLab.Data;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Tests.Data;

public class TransformsTests
{
    static Tensor Images(int n = 4, int size = 16)
    {
        using var g = new Generator(7);
        return rand(new long[] { n, 3, size, size }, generator: g);
    }

    [Fact]
    public void Same_seed_gives_the_same_augmentation_and_another_seed_differs()
    {
        Lab.Init();
        using var x = Images();
        var t = Transforms.Augment(12);
        using var g1 = new Generator(1); using var g2 = new Generator(1); using var g3 = new Generator(2);
        using var a = t(x, g1); using var b = t(x, g2); using var c = t(x, g3);
        Assert.Equal(new long[] { 4, 3, 12, 12 }, a.shape);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.allclose(c));
        Assert.InRange(a.min().item<float>(), 0f, 1f);
        Assert.InRange(a.max().item<float>(), 0f, 1f);
    }

    [Fact]
    public void Flip_with_p_one_mirrors_and_p_zero_keeps()
    {
        Lab.Init();
        using var x = Images();
        using var g = new Generator(0);
        using var f = Transforms.RandomHorizontalFlip(1)(x, g);
        using var k = Transforms.RandomHorizontalFlip(0)(x, g);
        Assert.True(f.equal(x.flip(3)).all().item<bool>());
        Assert.True(k.equal(x).all().item<bool>());
    }

    [Fact]
    public void Rotation_by_zero_is_identity_and_rotation_fills_white()
    {
        Lab.Init();
        using var x = Images();
        using var g = new Generator(0);
        using var same = Transforms.RandomRotation(0)(x, g);
        Assert.True(same.allclose(x, atol: 1e-5));
        using var black = zeros(2, 3, 32, 32);
        using var r = Transforms.RandomRotation(45)(black, new Generator(3));
        // Some rotation happened (|angle| > 0): the corner is outside the rotated image → white.
        Assert.True(r[.., .., 0, 0].min().item<float>() > 0.5f);
        Assert.Equal(0f, r[.., .., 16, 16].max().item<float>(), 4);
    }

    [Fact]
    public void Jitter_with_zero_strength_and_tiny_hue_is_identity()
    {
        Lab.Init();
        using var x = Images();
        using var g = new Generator(0);
        using var y = Transforms.ColorJitter(0, 0, 0, 1e-9)(x, g); // goes through RGB→HSV→RGB
        Assert.True(y.allclose(x, atol: 1e-4));
        using var grey = full(new long[] { 2, 3, 4, 4 }, 0.5f);
        using var j = Transforms.ColorJitter(0, 0.2, 0.2, 0.1)(grey, g); // grey stays grey under contrast/saturation/hue
        Assert.True(j.allclose(grey, atol: 1e-5));
        using var h = Transforms.ColorJitter(0, 0, 0, 0.5)(tensor(new float[] { 1, 0, 0 }).view(1, 3, 1, 1), new Generator(5));
        Assert.False(h.allclose(tensor(new float[] { 1, 0, 0 }).view(1, 3, 1, 1), atol: 0.05)); // red moved round the hue circle
    }

    [Fact]
    public void Resize_is_antialiased_and_normalise_maps_to_minus_one_one()
    {
        Lab.Init();
        // A 1-pixel checkerboard averages to grey when shrunk with antialiasing (plain bilinear would alias).
        using var checker = arange(64).view(8, 8).remainder(2).add(arange(8).view(8, 1)).remainder(2).to(ScalarType.Float32).expand(1, 3, 8, 8).contiguous();
        using var small = Transforms.Resize(2)(checker, new Generator(0));
        Assert.True(small.sub(0.5).abs().max().item<float>() < 0.05f);
        using var n = Transforms.NormalizeMinusOneToOne()(checker, new Generator(0));
        Assert.Equal(-1f, n.min().item<float>());
        Assert.Equal(1f, n.max().item<float>());
    }
}
