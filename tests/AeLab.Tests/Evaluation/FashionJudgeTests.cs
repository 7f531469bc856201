using System.Text.Json;
using AeLab.Evaluation;
using AeLab.Training;
using static TorchSharp.torch;

namespace AeLab.Tests.Evaluation;

/// <summary>Lesson 12's judge (classifier and score) that lessons 12 and 13 share, and lesson 13's layout measure.</summary>
public class FashionJudgeTests
{
    static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(new[] { dir.FullName }.Concat(parts).ToArray());
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(string.Join("/", parts));
    }

    [Fact]
    public void The_classifier_keeps_lesson_12s_configuration_so_its_shipped_weights_load()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(RepoFile("notebooks", "weights", "weights.json")));
        var entry = manifest.RootElement.EnumerateArray()
            .Single(e => e.GetProperty("lesson").GetString() == "12-comparing-generators" && e.GetProperty("name").GetString() == "classifier");
        var config = FashionJudge.Config(epochs: 6, trainCount: 60_000);
        Assert.Equal(entry.GetProperty("config").GetString(), JsonSerializer.Serialize(config, config.GetType(), CheckpointFile.Json));
    }

    [Fact]
    public void The_judge_refuses_a_reference_set_it_cannot_take_from_the_test_images()
    {
        Lab.Init(seed: 1);
        var data = new AeLab.Data.ImageDataset(rand(10, 1, 28, 28));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FashionJudge.Lesson12(data, data, referenceCount: 11));
        Assert.Equal("referenceCount", e.ParamName);
    }

    [Fact]
    public void Border_and_centre_are_the_mean_brightness_of_the_outer_ring_and_the_middle_square()
    {
        // 2 images, 3 channels, 12×12: a ring of 2 pixels at 0.9, inside it 0.1, a 4×4 centre at 0.5.
        var images = full(2, 3, 12, 12, 0.9f);
        images[.., .., 2..10, 2..10] = full(2, 3, 8, 8, 0.1f);
        images[.., .., 4..8, 4..8] = full(2, 3, 4, 4, 0.5f);
        var (border, centre) = BorderCentre.Of(images, ring: 2, centre: 4);
        Assert.Equal(0.9, border, 6);
        Assert.Equal(0.5, centre, 6);
        var (_, wider) = BorderCentre.Of(images, ring: 2, centre: 8);   // 16 pixels at 0.5, 48 at 0.1
        Assert.Equal((16 * 0.5 + 48 * 0.1) / 64, wider, 6);
        var table = BorderCentre.Compare(("real", images), ("flat", full(2, 3, 12, 12, 0.5f)), ("close", images * 0.95), ring: 2, centre: 4).ToString();
        Assert.Contains("close closer", table);
        Assert.Equal("ring", Assert.Throws<ArgumentOutOfRangeException>(() => BorderCentre.Of(images, ring: 6)).ParamName);
        Assert.Equal("images", Assert.Throws<ArgumentException>(() => BorderCentre.Of(zeros(12, 12))).ParamName);
    }
}
