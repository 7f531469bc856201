namespace AeLab.Data;

/// <summary>Finds the course folder (the one holding notebooks/ and lib/) so data/ resolves from anywhere.</summary>
public static class RepoPaths
{
    /// <summary>The repository root, searched upwards from the current directory and then from AeLab.dll's folder; null when neither is inside the course.</summary>
    public static string? Root =>
        FindUp(Environment.CurrentDirectory) ?? FindUp(Path.GetDirectoryName(typeof(RepoPaths).Assembly.Location));

    /// <summary>The data folder: &lt;root&gt;/data, or ./data when the course folder is not found.</summary>
    public static string DataDir => Path.Combine(Root ?? Environment.CurrentDirectory, "data");

    static string? FindUp(string? dir)
    {
        for (var d = dir is null ? null : new DirectoryInfo(dir); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "notebooks")) && Directory.Exists(Path.Combine(d.FullName, "lib")))
                return d.FullName;
        return null;
    }
}
