using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Core;

/// <summary>Small questions every model asks of itself.</summary>
public static class ModuleExtensions
{
    /// <summary>The device of the module's first parameter (or buffer); the CPU for a module with neither.</summary>
    public static Device DeviceOf(this nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var p in module.parameters()) return p.device;
        foreach (var b in module.buffers()) return b.device;
        return CPU;
    }

    /// <summary>Code maps as the priors take them: [B, H, W] int64 from [B, H, W] or [B, 1, H, W] of any dtype.</summary>
    public static Tensor AsCodeMaps(Tensor codes, string argument = "codes")
    {
        ArgumentNullException.ThrowIfNull(codes, argument);
        var maps = codes.dim() == 4 && codes.shape[1] == 1 ? codes.squeeze(1) : codes;
        return maps.dtype == ScalarType.Int64 ? maps : maps.to(ScalarType.Int64);
    }

    /// <summary>Code maps as a prior's targets: <see cref="FlattenCodeMaps"/> of <see cref="AsCodeMaps"/>, every code in
    /// 0…codebookSize−1 (else an <see cref="ArgumentException"/> naming the range and the values found).</summary>
    public static Tensor CodeTargets(Tensor codes, int height, int width, int codebookSize, string who, string argument)
    {
        var target = FlattenCodeMaps(AsCodeMaps(codes, argument), height, width, argument);
        Expect.Indices(target, codebookSize, who, argument);
        return target;
    }

    /// <summary>Code maps [B, H, W] (or already flat [B, H·W]) of int64 indices as the token rows [B, H·W] a prior's
    /// network reads; anything else is refused naming <paramref name="argument"/>.</summary>
    public static Tensor FlattenCodeMaps(Tensor maps, int height, int width, string argument)
    {
        if (maps.dtype != ScalarType.Int64)
            throw new ArgumentException($"Code maps must be int64 code indices; got {maps.dtype}.", argument);
        int length = height * width;
        if (maps.dim() == 3 && maps.shape[1] == height && maps.shape[2] == width) return maps.reshape(maps.shape[0], length);
        if (maps.dim() == 2 && maps.shape[1] == length) return maps;
        throw new ArgumentException(
            $"Code maps must be [B, {height}, {width}] or [B, {length}]; got [{string.Join(", ", maps.shape)}]. " +
            "Encode images at the size the prior was built for.", argument);
    }
}
