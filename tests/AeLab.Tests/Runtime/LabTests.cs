using AeLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Tests.Runtime;

public class LabTests
{
    [Fact]
    public void Init_loads_torch_and_a_tiny_computation_is_right()
    {
        var env = Lab.Init(seed: 1);
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
        Assert.Equal(DeviceType.CPU, env.Device.type);
        Assert.StartsWith("2.", env.LibTorchVersion);
        Assert.Contains("TorchSharp 0.107.0", env.ToString());
        Assert.Contains("device cpu", env.ToString());
    }

    [Fact]
    public void OpenMp_workers_spin_briefly_unless_the_user_chose_how_they_wait()
    {
        Lab.Init();
        var policy = Environment.GetEnvironmentVariable(OpenMp.WaitPolicyVariable);
        var spins = Environment.GetEnvironmentVariable(OpenMp.SpinCountVariable);
        if (!OpenMp.ChosenByLibrary)
        {
            // The test process was started with a setting of its own: kept as it was.
            Assert.False(string.IsNullOrWhiteSpace(policy) && string.IsNullOrWhiteSpace(spins));
            Assert.EndsWith("(yours)", OpenMp.WaitPolicy);
            return;
        }
        Assert.Equal(OpenMp.ShortSpinCount.ToString(), spins);
        Assert.True(string.IsNullOrWhiteSpace(policy));
        Assert.Contains("GOMP_SPINCOUNT=20000", OpenMp.WaitPolicy);
        // What libgomp reads: the process's native environment, not .NET's copy of it.
        if (OperatingSystem.IsLinux())
            Assert.Equal(spins, System.Runtime.InteropServices.Marshal.PtrToStringUTF8(getenv(OpenMp.SpinCountVariable)));
    }

    [System.Runtime.InteropServices.DllImport("libc.so.6")]
    static extern IntPtr getenv(string name);

    [Fact]
    public void A_helper_thread_made_single_threaded_runs_libtorch_alone_and_the_caller_keeps_its_threads()
    {
        Lab.Init();
        int mine = get_num_threads();
        using var x = arange(100_000, dtype: ScalarType.Float32);
        int helper = 0; float sum = 0;
        var thread = new Thread(() =>
        {
            OpenMp.SingleThreadedHere();
            OpenMp.SingleThreadedHere();
            helper = get_num_threads();
            using var s = x.sum();   // its operations still compute, as a data loader's batch does there
            sum = s.item<float>();
        });
        thread.Start();
        thread.Join();
        if (OperatingSystem.IsLinux()) Assert.Equal(1, helper);
        Assert.Equal(mine, get_num_threads());
        Assert.Equal(4_999_950_000f, sum, 1e-3f);
    }

    [Fact]
    public void A_data_loader_leaves_the_consuming_thread_its_libtorch_threads()
    {
        Lab.Init();
        int mine = get_num_threads();
        var loader = new AeLab.Data.DataLoader(new AeLab.Data.ImageDataset(rand(600, 1, 28, 28)), 50, shuffle: true);
        int n = 0;
        foreach (var batch in loader) { Assert.Equal(mine, get_num_threads()); n++; }
        Assert.Equal(12, n);
        Assert.Equal(mine, get_num_threads());
    }

    [Fact]
    public void Old_libstdcxx_gets_the_patched_copy_new_one_gets_none()
    {
        if (!NativeFiles.IsLinuxX64) return;
        Lab.Init();
        if (NativeFiles.SystemLibStdCxxHas332())
            Assert.Equal("as shipped", NativeLoader.Status);
        else
        {
            Assert.StartsWith("patched copy", NativeLoader.Status);
            Assert.Equal(NativeLoader.CacheDirectory(), Path.GetFullPath(Path.Combine(NativeLoader.BridgePath!, "..", "..", "..")));
            Assert.DoesNotContain(".nuget", NativeLoader.BridgePath!);
        }
    }

    [Fact]
    public void Same_seed_same_numbers_other_seed_other_numbers()
    {
        Lab.Init(seed: 123);
        using var a = randn(1000);
        Lab.Seed(123);
        using var b = randn(1000);
        Lab.Seed(124);
        using var c = randn(1000);

        Assert.True(a.allclose(b, rtol: 0, atol: 0));
        Assert.False(a.allclose(c, rtol: 0, atol: 0));
    }

    [Fact]
    public void A_second_seed_changes_every_seed_a_lesson_gives_but_not_the_evaluations()
    {
        var old = Environment.GetEnvironmentVariable(Lab.SeedVariable);
        try
        {
            Environment.SetEnvironmentVariable(Lab.SeedVariable, null);
            Lab.Init(seed: 0);
            Assert.Equal(7, Lab.Mixed(7));
            Lab.Seed(7);
            using var plain = randn(8);

            Environment.SetEnvironmentVariable(Lab.SeedVariable, "2");
            Lab.Init(seed: 0);
            Assert.Equal(2, Lab.Current.Seed);
            Assert.NotEqual(7, Lab.Mixed(7));
            Assert.NotEqual(Lab.Mixed(7), Lab.Mixed(8));
            Lab.Seed(7);                       // a lesson's Lab.Seed(7) before building a model: other weights now
            using var second = randn(8);
            Assert.False(plain.allclose(second, rtol: 0, atol: 0));
            Lab.SeedExactly(7);                // an evaluation's seed stays what it was
            using var exact = randn(8);
            Assert.True(plain.allclose(exact, rtol: 0, atol: 0));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Lab.SeedVariable, old);
            Lab.Init(seed: 0);
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_trained_weights()
    {
        float[] Train()
        {
            Lab.Seed(7);
            using var lin = nn.Linear(4, 2);
            using var opt = optim.Adam(lin.parameters(), 0.01);
            for (int i = 0; i < 20; i++)
            {
                using var scope = NewDisposeScope();
                var x = randn(8, 4);
                var loss = lin.call(x).pow(2).mean();
                opt.zero_grad();
                loss.backward();
                opt.step();
            }
            return lin.weight!.data<float>().ToArray();
        }
        Lab.Init();
        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void Cuda_request_without_cuda_explains_how_to_get_it()
    {
        if (Lab.Init().Device.type == DeviceType.CUDA) return;
        var e = Assert.Throws<InvalidOperationException>(() => Lab.Init(device: "cuda"));
        Assert.Contains("-p:Torch=cuda", e.Message);
        Lab.Init(); // leave the process on the default device
    }

    [Fact]
    public void Unknown_device_is_rejected_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Lab.Init(device: "tpu"));
        Assert.Contains("tpu", e.Message);
        Lab.Init();
    }

    [Fact]
    public void Pick_follows_the_smoke_switch()
    {
        var before = Environment.GetEnvironmentVariable(Lab.SmokeVariable);
        try
        {
            Environment.SetEnvironmentVariable(Lab.SmokeVariable, "1");
            Assert.True(Lab.Smoke);
            Assert.Equal(2, Lab.Pick(50, 2));
            Environment.SetEnvironmentVariable(Lab.SmokeVariable, null);
            Assert.False(Lab.Smoke);
            Assert.Equal(50, Lab.Pick(50, 2));
        }
        finally { Environment.SetEnvironmentVariable(Lab.SmokeVariable, before); }
    }
}
