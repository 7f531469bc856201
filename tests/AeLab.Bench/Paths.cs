namespace AeLab.Bench;

/// <summary>Where the repository and the benchmark's files are, found from the program's own location.</summary>
public static class Paths
{
    public static string Root { get; } = FindRoot();
    public static string BenchDir => Path.Combine(Root, "tests", "AeLab.Bench");
    public static string TwinScript => Path.Combine(Root, "tests", "bench", "twin.py");

    static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "tests", "bench", "twin.py"))) return d.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
