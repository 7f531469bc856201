using System.Text.RegularExpressions;

namespace AeLab.Runner.Tests.Notebook;

/// <summary>Checkpoint and log folders carry the name of the lesson that owns them, so a learner finds them.</summary>
public class LessonNamesTests
{
    [Fact]
    public void Every_lesson_folder_named_in_a_lesson_is_a_lesson_file()
    {
        var notebooks = Path.Combine(Repo.Root, "notebooks");
        var lessons = Directory.GetFiles(notebooks, "*.dib").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        var uses = Directory.GetFiles(notebooks, "*.dib")
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"Course\.(?:Checkpoint|Runs)\(""([^""]+)""")
                .Select(m => (File: Path.GetFileName(f), Lesson: m.Groups[1].Value)))
            .ToList();
        Assert.NotEmpty(uses);
        var wrong = uses.Where(u => !lessons.Contains(u.Lesson)).Select(u => $"{u.File}: \"{u.Lesson}\"").ToList();
        Assert.True(wrong.Count == 0, "lesson folders that are not lesson file names: " + string.Join(", ", wrong));
        Assert.DoesNotContain(Directory.GetFiles(notebooks, "*.dib"), f => File.ReadAllText(f).Contains("\"runs/"));
    }
}
