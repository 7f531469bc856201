namespace AeLab.Runner.Tests.Execution;

public class LessonRunnerTests
{
    [Fact]
    public void A_lesson_that_vanished_after_listing_is_reported_as_failed_and_the_run_goes_on()
    {
        var dir = Repo.TempDir();
        var gone = Path.Combine(dir, "98-gone.dib");
        var log = new StringWriter();
        var runner = new LessonRunner(Path.Combine(dir, "out"), TimeSpan.FromMinutes(1), log);

        Assert.False(runner.Run(gone));

        Assert.Contains("98-gone.dib: FAILED: cannot read " + gone, log.ToString());
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }
}
