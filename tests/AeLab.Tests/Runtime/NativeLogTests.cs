using System.Runtime.InteropServices;
using AeLab.Runtime;
using TorchSharp;

namespace AeLab.Tests.Runtime;

public class NativeLogTests
{
    [Theory]
    [InlineData(null, 2)]
    [InlineData("", 2)]
    [InlineData("info", 0)]
    [InlineData("WARNING", 1)]
    [InlineData(" error ", 2)]
    [InlineData("3", 3)]
    public void Parses_the_levels_python_torch_accepts(string? value, int expected) =>
        Assert.Equal(expected, NativeLog.Level(value));

    [Fact]
    public void A_bad_level_names_the_variable_and_the_valid_values()
    {
        var e = Assert.Throws<ArgumentException>(() => NativeLog.Level("loud"));
        Assert.Contains("TORCH_CPP_LOG_LEVEL", e.Message);
        Assert.Contains("WARNING", e.Message);
    }

    [Fact]
    public void After_init_libtorch_warnings_are_below_the_threshold()
    {
        Lab.Init();
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(NativeLibrary.TryLoad("c10", typeof(torch).Assembly, null, out var c10));
        int expected = NativeLog.Level(Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL"));
        Assert.Equal(expected, Marshal.ReadInt32(NativeLibrary.GetExport(c10, "FLAGS_caffe2_log_level")));
    }
}
