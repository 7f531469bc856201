using System.Diagnostics;
using AeLab.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AeLab.Tests.Training;

/// <summary>
/// The atomic save: concurrent saves of one path each succeed, a temporary left by a killed save is removed by the
/// next one, and a failed save names its real cause (read-only file system, permission, full disk).
/// </summary>
public class CheckpointSaveTests(ITestOutputHelper output) : CheckpointFolderTest(output, "aelab-save-")
{
    string[] Temporaries() => Directory.GetFiles(_dir, ".*.tmp");

    [Fact]
    public void Two_threads_saving_one_path_all_succeed()
    {
        var path = Path.Combine(_dir, "shared.ckpt");
        var models = new[] { Model(1), Model(2) };
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = models.Select((m, i) => new Thread(() =>
        {
            for (int n = 0; n < 100; n++)
                try { Checkpoint.Save(path, m, epoch: i + 1); }
                catch (Exception e) { failures.Add(e); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        foreach (var e in failures.Take(3)) _output.WriteLine(e.Message);
        Assert.Empty(failures);
        Assert.Contains(Checkpoint.Load(path, Model(3)).Epoch, new[] { 1, 2 });   // whole, from one of them
        Assert.Empty(Temporaries());
    }

    static int DeadProcessId()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    [Fact]
    public void A_temporary_left_by_a_dead_process_is_removed_by_the_next_save()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = Path.Combine(_dir, "model.ckpt");
        int dead = DeadProcessId();
        var killedOld = Path.Combine(_dir, $".model.ckpt.{dead}.tmp");          // the former name, pid only
        var killedNew = Path.Combine(_dir, $".model.ckpt.{dead}-7.tmp");
        using var live = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        var other = Path.Combine(_dir, $".model.ckpt.{live.Id}-1.tmp");          // a save in progress elsewhere
        var mine = Path.Combine(_dir, $".model.ckpt.{Environment.ProcessId}-999999.tmp");
        var otherFile = Path.Combine(_dir, $".other.ckpt.{dead}-1.tmp");         // another checkpoint's: not this save's business
        foreach (var f in new[] { killedOld, killedNew, other, mine, otherFile }) File.WriteAllText(f, "half a checkpoint");
        try
        {
            Checkpoint.Save(path, Model(1), epoch: 1);
            Assert.False(File.Exists(killedOld));
            Assert.False(File.Exists(killedNew));
            Assert.True(File.Exists(other));
            Assert.True(File.Exists(mine));
            Assert.True(File.Exists(otherFile));
            Assert.Equal(1, Checkpoint.Load(path, Model(2)).Epoch);
        }
        finally { live.Kill(); }
    }

    CheckpointException FailedSave(string path, int errno, string message)
    {
        var e = Assert.Throws<CheckpointException>(() =>
            Checkpoint.Save(path, Model(2), null, 2, null, null, 0, s => new CheckpointTests.FailingStream(s, 300, errno, message)));
        _output.WriteLine(e.Message);
        Assert.Contains($"'{path}'", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Empty(Temporaries());
        return e;
    }

    [Fact]
    public void Each_cause_of_a_failed_save_gets_its_own_advice()
    {
        var path = Path.Combine(_dir, "model.ckpt");
        Checkpoint.Save(path, Model(1), epoch: 1);
        var before = File.ReadAllBytes(path);

        var readOnly = FailedSave(path, 30, "Read-only file system");
        Assert.Equal($"Cannot save the checkpoint '{path}': '{_dir}' is on a read-only file system (Read-only file system). " +
                     "Choose a folder on a writable disk, or remount this one read-write. Nothing was changed.", readOnly.Message);
        var denied = FailedSave(path, 13, "Permission denied");
        Assert.Contains($"no permission to write in '{_dir}' or to replace the file there", denied.Message);
        var full = FailedSave(path, 28, "No space left on device");
        Assert.Contains($"the disk holding '{_dir}' is full, or your quota there is used up (No space left on device). Free some space", full.Message);
        var other = FailedSave(path, 5, "Input/output error");
        Assert.Contains("Input/output error. The previous file there (if any) is unchanged; check that folder", other.Message);
        foreach (var e in new[] { readOnly, denied, other }) Assert.DoesNotContain("space", e.Message);

        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_folder_is_flushed_after_the_rename()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(AtomicFile.SyncFolder(_dir));
        Assert.False(AtomicFile.SyncFolder(Path.Combine(_dir, "missing")));
    }

    [Fact]
    public void A_real_full_device_reads_as_disk_full()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/dev/full")) return;
        var e = Assert.ThrowsAny<IOException>(() =>
        {
            using var f = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            f.Write(new byte[4096]);
            f.Flush();
        });
        _output.WriteLine($"{e.HResult}: {e.Message}");
        Assert.Equal(WriteFailure.DiskFull, AtomicFile.Cause(e));
    }
}
