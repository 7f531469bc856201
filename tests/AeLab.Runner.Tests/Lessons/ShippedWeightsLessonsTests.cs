using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace AeLab.Runner.Tests.Lessons;

/// <summary>
/// The shipped weights (notebooks/weights, listed in weights.json) against the lessons: every lesson runs in full mode
/// from them alone (the runner's --shipped: the learner's checkpoints are ignored and nothing may train), each load
/// reproduces the figures the manifest records for that file, and every listed file is used. A lesson whose recipe
/// changed since its weights were trained fails here instead of silently training (or shipping stale weights).
/// </summary>
public class ShippedWeightsLessonsTests
{
    const long Budget = 40L * 1024 * 1024;

    static readonly string Folder = Path.Combine(Repo.Root, "notebooks", "weights");

    /// <summary>The manifest's entries, or null (with a note in the test output) while the course ships no weights.</summary>
    static List<JsonElement>? Manifest()
    {
        var path = Path.Combine(Folder, "weights.json");
        if (!File.Exists(path))
        {
            Console.WriteLine($"{path} does not exist: no shipped weights to check (bash notebooks/train-weights.sh writes them)");
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [Fact]
    public void Every_listed_file_is_there_with_its_checksum_and_all_of_them_fit_in_40_MiB()
    {
        if (Manifest() is not { } entries) return;
        Assert.NotEmpty(entries);
        long total = 0;
        foreach (var e in entries)
        {
            var file = Path.Combine(Folder, e.GetProperty("file").GetString()!);
            Assert.True(File.Exists(file), $"{file} is listed in weights.json but missing");
            using (var f = File.OpenRead(file))
                Assert.Equal(e.GetProperty("sha256").GetString(), Convert.ToHexString(SHA256.HashData(f)).ToLowerInvariant());
            Assert.Equal(e.GetProperty("bytes").GetInt64(), new FileInfo(file).Length);
            total += new FileInfo(file).Length;
        }
        var onDisk = Directory.GetFiles(Folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"{entries.Count} shipped files, {total / 1048576.0:F1} MiB; notebooks/weights/ holds {onDisk / 1048576.0:F1} MiB");
        Assert.True(onDisk <= Budget, $"notebooks/weights/ holds {onDisk / 1048576.0:F1} MiB, more than 40 MiB");
        var unlisted = Directory.GetFiles(Folder, "*.ckpt", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Folder, f).Replace('\\', '/'))
            .Except(entries.Select(e => e.GetProperty("file").GetString()!)).ToList();
        Assert.True(unlisted.Count == 0, $"files in notebooks/weights that weights.json does not list: {string.Join(", ", unlisted)}");
    }

    [Fact]
    public void Every_lesson_runs_in_full_mode_from_the_shipped_weights_alone_and_reproduces_their_figures()
    {
        if (Manifest() is not { } entries) return;
        Assert.True(Repo.LibraryBuilt, "lib/bin/AeLab.dll is missing: run `bash lib/setup.sh` first");
        var runner = typeof(LessonRunner).Assembly.Location;
        var outDir = Repo.TempDir();
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { runner, "--shipped", "--out", outDir, Path.Combine(Repo.Root, "notebooks") },
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root,
        };
        foreach (var v in new[] { "AELAB_SMOKE", "AELAB_TRAIN", "AELAB_EXPORT_WEIGHTS", "AELAB_EXERCISES", "AELAB_SEED" }) psi.Environment.Remove(v);
        var watch = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Console.WriteLine($"every lesson in full mode from the shipped weights: {watch.Elapsed.TotalSeconds:F0} s\n" +
                          string.Join("\n", output.Split('\n').Where(l => l.Contains(" ok in ") || l.Contains("notebooks ran"))));
        Assert.True(p.ExitCode == 0, $"the full-mode run from the shipped weights failed (exit {p.ExitCode}):\n{output}\n{err.Result}");

        var pages = Directory.GetFiles(outDir, "*.ipynb").ToDictionary(Path.GetFileNameWithoutExtension, File.ReadAllText);
        foreach (var e in entries)
        {
            var file = e.GetProperty("file").GetString()!;
            var lesson = e.GetProperty("lesson").GetString()!;
            Assert.True(pages.TryGetValue(lesson, out var page), $"{file} belongs to lesson {lesson}, which did not run");
            var loaded = $"Loaded the shipped weights '{file}'";
            Assert.True(page.Contains(loaded), $"lesson {lesson} did not load {file}: is it still used?");
            if (e.TryGetProperty("check", out var check) && check.ValueKind == JsonValueKind.Object)
                Assert.True(page.Contains(loaded) && page.Split(loaded).Skip(1).Any(rest => rest.Split("To train it yourself")[0].Contains("they reproduce their recorded figures")),
                    $"lesson {lesson} loaded {file} without reproducing its recorded figures");
        }
    }
}
