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
}
