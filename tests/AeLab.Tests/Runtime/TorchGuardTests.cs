using System.Runtime.InteropServices;
using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Tests.Runtime;

/// <summary>The native guard turns libtorch errors in TorchSharp's unguarded entry points into exceptions.</summary>
public class TorchGuardTests
{
    [Fact]
    public void The_guard_is_active_on_linux_and_the_summary_says_so()
    {
        var env = Lab.Init();
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(TorchGuard.Active, TorchGuard.Status);
        Assert.Contains("error guard on", env.ToString());
    }

    [Fact]
    public void Matmul_with_mismatched_shapes_throws_instead_of_ending_the_process()
    {
        Lab.Init();
        // Without the guard this call would end the test process: never make it unguarded.
        if (!TorchGuard.Active) return;
        var e = Assert.Throws<ExternalException>(() => randn(3, 4).matmul(randn(5, 6)));
        Assert.Contains("shapes cannot be multiplied (3x4 and 5x6)", e.Message);
        var d = Assert.Throws<ExternalException>(() => randn(3, 4).matmul(randn(4, 2, dtype: float64)));
        Assert.Contains("same dtype", d.Message);
        // The error was read once: the next good call neither throws nor reports it again.
        Assert.Equal([3L, 5L], randn(3, 4).matmul(randn(4, 5)).shape);
        Assert.Equal(7f, tensor(new float[] { 1, 2 }).matmul(tensor(new float[] { 1, 3 })).item<float>());
    }

    [Fact]
    public void Autograd_grad_cummax_and_thread_errors_come_back_as_exceptions()
    {
        Lab.Init();
        if (!TorchGuard.Active) return;
        Assert.Contains("does not require grad",
            Assert.Throws<ExternalException>(() => TorchSharp.torch.autograd.grad([randn(3).sum()], [randn(3)])).Message);
        var x = randn(3, requires_grad: true);
        var y = (x * x).sum();
        TorchSharp.torch.autograd.grad([y], [x]);
        Assert.Contains("a second time", Assert.Throws<ExternalException>(() => TorchSharp.torch.autograd.grad([y], [x])).Message);
        Assert.Contains("Dimension out of range", Assert.Throws<ExternalException>(() => randn(3).cummax(5)).Message);
        Assert.Contains("Dimension out of range", Assert.Throws<ExternalException>(() => randn(3).cummin(5)).Message);
        var threads = get_num_threads();
        Assert.Contains("positive number of threads", Assert.Throws<ExternalException>(() => set_num_threads(0)).Message);
        Assert.Equal(threads, get_num_threads());
        Assert.Contains("ByteTensor", Assert.Throws<ExternalException>(() => set_rng_state(zeros(3))).Message);
    }

    [Fact]
    public void Casts_that_overflow_give_what_the_same_cast_gives_in_csharp()
    {
        Lab.Init();
        if (!TorchGuard.Active) return;
        Assert.Equal(float.PositiveInfinity, (float)tensor(1e300));
        Assert.Equal(float.NegativeInfinity, (float)tensor(-1e300));
        Assert.Equal(unchecked((int)3_000_000_000L), (int)tensor(3_000_000_000L));
        Assert.Equal(unchecked((short)70_000L), (short)tensor(70_000L));
        Assert.Equal(long.MaxValue, (long)tensor(1e300));
        Assert.Equal(2.5f, (float)tensor(2.5));            // in range: libtorch's own conversion
        Assert.Equal(41, (int)tensor(41L));
    }

    [Fact]
    public void The_built_guard_is_reused_and_a_missing_compiler_is_named()
    {
        Lab.Init();
        if (!OperatingSystem.IsLinux() || NativeLoader.BridgePath is not { } bridge) return;
        var cache = Directory.CreateTempSubdirectory("aelab-guard-");
        var cxx = Environment.GetEnvironmentVariable("CXX");
        try
        {
            var built = TorchGuard.Build(bridge, cache.FullName);
            var stamp = File.GetLastWriteTimeUtc(built);
            Assert.Equal(built, TorchGuard.Build(bridge, cache.FullName));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(built));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(built)!, "*.tmp"));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(built)!, "*.cpp"));
            var handle = NativeLibrary.Load(built);
            foreach (var name in new[] { "THSTensor_matmul", "THSAutograd_grad", "THSTensor_cummax", "THSTensor_cummin",
                         "THSTorch_set_num_threads", "THSGenerator_set_rng_state", "THSTorch_scalar_to_float32",
                         "THSTorch_scalar_to_int32", "THSTorch_get_and_reset_last_err", "AeLabGuard_version" })
                Assert.True(NativeLibrary.TryGetExport(handle, name, out _), $"{name} is not exported by {built}");

            File.Delete(built);
            Environment.SetEnvironmentVariable("CXX", "/nonexistent/g++");
            var e = Assert.Throws<GuardBuildException>(() => TorchGuard.Build(bridge, cache.FullName));
            Assert.Contains("no C++ compiler found", e.Message);
            Assert.Contains("apt-get install g++", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CXX", cxx);
            cache.Delete(recursive: true);
        }
    }
}
