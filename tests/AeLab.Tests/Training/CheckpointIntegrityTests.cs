using AeLab.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

/// <summary>
/// A damaged checkpoint is refused, never loaded: any byte changed, cut or added fails the checksum; format-1 files
/// (no checksum) are still read, and their damage gives the same kind of message; non-finite weights are refused.
/// </summary>
public class CheckpointIntegrityTests(ITestOutputHelper output) : CheckpointFolderTest(output, "aelab-ckpt-")
{

    static List<Tensor> Snapshot(nn.Module m) => m.parameters().Select(p => p.detach().clone()).ToList();

    static void Unchanged(nn.Module m, List<Tensor> before) =>
        Assert.All(m.parameters().Zip(before), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));

    /// <summary>A checkpoint with weights and Adam state (after one step, so the state is not all zeros).</summary>
    string Saved(string name, TinyConfig? config = null)
    {
        var path = Path.Combine(_dir, name);
        var model = Model(1, config);
        using var opt = optim.Adam(model.parameters(), 1e-2);
        opt.zero_grad();
        model.Loss(randn(4, (config ?? new TinyConfig()).Inputs)).Loss.backward();
        opt.step();
        Checkpoint.Save(path, model, opt, epoch: 1, config: config ?? new TinyConfig());
        return path;
    }

    /// <summary>The same file as format 1 wrote it: version 1 and no trailer.</summary>
    static byte[] AsFormat1(byte[] v2)
    {
        var v1 = v2[..^CheckpointFile.TrailerLength];
        BitConverter.GetBytes(1).CopyTo(v1, CheckpointFile.Magic.Length);
        return v1;
    }

    CheckpointException Refused(string path, nn.Module model)
    {
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, model));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.Path);
        Assert.Contains("delete it to retrain", e.Message.ToLowerInvariant().Replace("delete the file", "delete it"));
        return e;
    }

    [Fact]
    public void Every_single_byte_changed_is_refused_and_the_model_is_untouched()
    {
        var path = Saved("flip.ckpt");
        var good = File.ReadAllBytes(path);
        var model = Model(2);
        var before = Snapshot(model);
        var messages = new HashSet<string>();
        for (int at = 0; at < good.Length; at++)
        {
            var bytes = (byte[])good.Clone();
            bytes[at] ^= 0x5A;
            File.WriteAllBytes(path, bytes);
            messages.Add(Refused(path, model).Message.Replace(path, "<file>"));
            if (at % 97 == 0) Assert.Throws<CheckpointException>(() => Checkpoint.Info(path));
        }
        Unchanged(model, before);
        foreach (var m in messages) _output.WriteLine(m);
    }

    [Fact]
    public void Any_byte_range_overwritten_is_refused()
    {
        var path = Saved("ranges.ckpt");
        var good = File.ReadAllBytes(path);
        var model = Model(2);
        var before = Snapshot(model);
        var random = new Random(18);
        for (int trial = 0; trial < 300; trial++)
        {
            int start = random.Next(good.Length), length = 1 + random.Next(Math.Min(64, good.Length - start));
            var bytes = (byte[])good.Clone();
            random.NextBytes(bytes.AsSpan(start, length));
            if (bytes.AsSpan().SequenceEqual(good)) continue;
            File.WriteAllBytes(path, bytes);
            Refused(path, model);
        }
        Unchanged(model, before);
    }

    [Fact]
    public void Every_truncation_and_any_appended_bytes_are_refused()
    {
        var path = Saved("cut.ckpt");
        var good = File.ReadAllBytes(path);
        var model = Model(2);
        for (int keep = 0; keep < good.Length; keep++)
        {
            File.WriteAllBytes(path, good[..keep]);
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, model));
            Assert.Contains(path, e.Message);
        }
        File.WriteAllBytes(path, [.. good, 0, 0, 0, 0]);
        _output.WriteLine(Refused(path, model).Message);
        File.WriteAllBytes(path, good[..(good.Length / 2)]);
        _output.WriteLine(Refused(path, model).Message);
    }

    [Fact]
    public void NaN_bytes_over_the_weights_are_refused_by_the_checksum_and_in_format_1_as_non_finite()
    {
        var config = new TinyConfig(Inputs: 64, Hidden: 32);
        var path = Saved("nan.ckpt", config);
        var good = File.ReadAllBytes(path);
        int weights = 18 + BitConverter.ToInt32(good, 14) + 64; // past the magic, version and JSON header
        var bytes = (byte[])good.Clone();
        bytes.AsSpan(weights, 4000).Fill(0xFF); // 0xFFFFFFFF is a NaN float
        File.WriteAllBytes(path, bytes);
        var model = Model(2, config);
        var before = Snapshot(model);
        var e = Refused(path, model);
        _output.WriteLine(e.Message);
        Assert.Contains("do not match the checksum", e.Message);

        File.WriteAllBytes(path, AsFormat1(bytes)); // no checksum to catch it: the values themselves are refused
        var nan = Refused(path, model);
        _output.WriteLine(nan.Message);
        Assert.Contains("NaN or infinite", nan.Message);
        Assert.Contains("allowNonFinite: true", nan.Message);
        Unchanged(model, before);
    }

    [Fact]
    public void Non_finite_weights_saved_as_such_are_refused_unless_allowed()
    {
        var path = Path.Combine(_dir, "diverged.ckpt");
        var model = Model(1);
        using (no_grad()) model.parameters().First()[0, 0] = float.PositiveInfinity;
        using (no_grad()) model.parameters().Last()[3] = float.NaN;
        Checkpoint.Save(path, model);

        var fresh = Model(2);
        var e = Refused(path, fresh);
        _output.WriteLine(e.Message);
        Assert.Contains("tensor 'encoder.0.weight' holds 1 NaN or infinite value(s) of 128", e.Message);
        var trainer = new Trainer(fresh, optim.Adam(fresh.parameters(), 1e-3)) { Quiet = true };
        Assert.Throws<CheckpointException>(() => trainer.Resume(path));

        Checkpoint.Load(path, fresh, allowNonFinite: true);
        Assert.True(float.IsPositiveInfinity(fresh.parameters().First()[0, 0].item<float>()));
        Assert.True(float.IsNaN(fresh.parameters().Last()[3].item<float>()));
    }

    [Fact]
    public void Format_1_files_still_load_with_the_same_weights_and_history()
    {
        var path = Saved("v1.ckpt");
        File.WriteAllBytes(path, AsFormat1(File.ReadAllBytes(path)));
        var model = Model(2);
        var info = Checkpoint.Load(path, model);
        Assert.Equal(1, info.Epoch);
        Assert.Equal(new TinyConfig(), info.Config<TinyConfig>());
        var reference = Model(1);
        using var opt = optim.Adam(reference.parameters(), 1e-2);
        Assert.Equal(1, Checkpoint.Info(path).Epoch);
        using var opt2 = optim.Adam(model.parameters(), 1e-2);
        Checkpoint.Load(path, model, opt2); // the optimizer block reads too
    }

    [Fact]
    public void Damaged_format_1_headers_give_the_checkpoint_message_not_a_raw_exception()
    {
        var path = Saved("v1h.ckpt");
        var v1 = AsFormat1(File.ReadAllBytes(path));
        int headerLength = BitConverter.ToInt32(v1, 14);
        var model = Model(2);
        var cases = new Dictionary<string, byte[]>
        {
            ["cut in the header (was EndOfStreamException)"] = v1[..(18 + headerLength / 2)],
            ["JSON damaged (was JsonException)"] = Patch(v1, 18 + 1, "\"\"\"\""u8.ToArray()),
            ["negative header length (was ArgumentOutOfRangeException)"] = Patch(v1, 14, BitConverter.GetBytes(-5)),
            ["huge optimizer length (was OverflowException)"] = Patch(v1, v1.Length - OptimizerBlock(v1) - 8, BitConverter.GetBytes(long.MaxValue)),
            ["tensor shape damaged"] = Patch(v1, v1.AsSpan().IndexOf("\"shape\":[8"u8) + 9, "-"u8.ToArray()),
            ["no header at all"] = v1[..14],
        };
        foreach (var (what, bytes) in cases)
        {
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, model));
            _output.WriteLine($"{what}: {e.Message}");
            Assert.Contains(path, e.Message);
            Assert.Contains("delete it to retrain", e.Message);
        }
    }

    [Fact]
    public void Any_single_byte_change_in_a_format_1_file_loads_or_gives_the_checkpoint_message()
    {
        var path = Saved("v1any.ckpt");
        var v1 = AsFormat1(File.ReadAllBytes(path));
        var model = Model(2);
        using var opt = optim.Adam(model.parameters(), 1e-2);
        for (int at = 0; at < v1.Length; at++)
        {
            var bytes = (byte[])v1.Clone();
            bytes[at] ^= 0xC3;
            File.WriteAllBytes(path, bytes);
            try { Checkpoint.Load(path, model, opt); }
            catch (Exception e) when (e is not CheckpointException)
            {
                Assert.Fail($"byte {at}: {e.GetType().Name}: {e.Message}");
            }
            catch (CheckpointException) { }
        }
    }

    [Fact]
    public void A_newer_format_says_to_update_the_library()
    {
        var path = Saved("new.ckpt");
        var bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(CheckpointFile.Version + 1).CopyTo(bytes, CheckpointFile.Magic.Length);
        // A newer AeLab writes its own checksum over its bytes: the file passes it.
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - CheckpointFile.TrailerLength))
            .CopyTo(bytes, bytes.Length - 32);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, Model(2)));
        _output.WriteLine(e.Message);
        Assert.Contains("newer AeLab", e.Message);
    }

    [Fact]
    public void A_flipped_bit_in_the_format_number_reads_as_damage_not_as_a_newer_format()
    {
        var path = Saved("bit.ckpt");
        var good = File.ReadAllBytes(path);
        for (int bit = 0; bit < 32; bit++)
        {
            var bytes = (byte[])good.Clone();
            bytes[CheckpointFile.Magic.Length + bit / 8] ^= (byte)(1 << (bit % 8));
            File.WriteAllBytes(path, bytes);
            var e = Refused(path, Model(2));
            if (bit == 0) _output.WriteLine(e.Message);   // 2 → 3
            Assert.Contains("is damaged", e.Message);
            Assert.DoesNotContain("newer", e.Message);
        }
    }

    [Fact]
    public void Saving_into_a_folder_that_cannot_be_written_names_the_target()
    {
        if (!OperatingSystem.IsLinux()) return;
        var target = "/sys/aelab-test.ckpt"; // no one may create files in sysfs, not even root
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Save(target, Model(1)));
        _output.WriteLine(e.Message);
        Assert.Contains($"'{target}'", e.Message);
        Assert.Contains("no permission to write in '/sys'", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
    }

    [Fact]
    public void Saving_under_a_file_says_which_path_is_a_file()
    {
        var file = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(file, "x");
        var target = Path.Combine(file, "run", "model.ckpt");
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Save(target, Model(1)));
        _output.WriteLine(e.Message);
        Assert.Contains($"'{target}'", e.Message);
        Assert.Contains($"'{file}' is a file, not a folder", e.Message);
    }

    [Fact]
    public void Saving_over_a_folder_of_the_same_name_says_so()
    {
        var target = Path.Combine(_dir, "model.ckpt");
        Directory.CreateDirectory(target);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Save(target, Model(1)));
        _output.WriteLine(e.Message);
        Assert.Contains("a folder of that name is in the way", e.Message);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(_dir, ".*")));
    }

    static byte[] Patch(byte[] bytes, int at, byte[] with)
    {
        var copy = (byte[])bytes.Clone();
        with.CopyTo(copy, at);
        return copy;
    }

    /// <summary>Length of the optimizer state at the end of a format-1 file, found from the tensors' sizes.</summary>
    static int OptimizerBlock(byte[] v1)
    {
        int headerLength = BitConverter.ToInt32(v1, 14);
        var model = new TinyAutoencoder(new TinyConfig());
        long tensors = model.state_dict().Values.Sum(t => t.NumberOfElements * t.ElementSize);
        return checked((int)(v1.Length - 18 - headerLength - tensors - 8));
    }
}
