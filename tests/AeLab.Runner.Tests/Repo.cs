namespace AeLab.Runner.Tests;

/// <summary>Paths in the source tree, found from the test binaries' folder.</summary>
static class Repo
{
    public static readonly string Root = Find();

    public static string Fixture(string name) => Path.Combine(Root, "tests", "AeLab.Runner.Tests", "fixtures", name);

    public static bool LibraryBuilt => File.Exists(Path.Combine(Root, "lib", "bin", "AeLab.dll"));

    static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "lib", "AeLab.Runner"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (with lib/AeLab.Runner) not found above " + AppContext.BaseDirectory);
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "aelab-runner-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
