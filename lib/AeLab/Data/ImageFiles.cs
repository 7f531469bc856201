namespace AeLab.Data;

/// <summary>
/// Image files below a folder, found as torchvision's ImageFolder finds them (os.walk with followlinks=True): links to
/// folders are followed, but each real folder is entered once per walk, so a link back up (<c>ln -s . loop</c>) ends
/// instead of repeating the same pictures under ever longer paths.
/// </summary>
internal static class ImageFiles
{
    /// <summary>True for a name ending in one of <see cref="ImageDecoder.Extensions"/>.</summary>
    public static bool IsImage(string path) => ImageDecoder.Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The image files directly in <paramref name="dir"/>, sorted; a link named like an image that leads nowhere is refused.</summary>
    public static List<string> In(string dir) =>
        Entries(dir).Where(e => !Directory.Exists(e) && IsImage(e) && Exists(e)).ToList();

    /// <summary>
    /// Every image file in <paramref name="dir"/> and the folders below it, sorted by path. <paramref name="visited"/>
    /// holds the real paths of folders not to enter (again): the walk adds each folder it enters.
    /// </summary>
    public static List<string> Below(string dir, HashSet<string> visited)
    {
        var files = new List<string>();
        Walk(dir, visited, files);
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    static void Walk(string dir, HashSet<string> visited, List<string> files)
    {
        if (!visited.Add(RealPath(dir))) return;
        foreach (var entry in Entries(dir))
        {
            if (Directory.Exists(entry)) Walk(entry, visited, files);   // follows a link to a folder
            else if (IsImage(entry) && Exists(entry)) files.Add(entry);
        }
    }

    static IEnumerable<string> Entries(string dir) => Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal);

    // A file, or a dangling link named like an image: that is a mistake in the folder, so it is named rather than
    // skipped. (File.Exists is true for a dangling link on Unix, so the link's final target is asked.)
    static bool Exists(string file)
    {
        var info = new FileInfo(file);
        if (info.LinkTarget is not { } target) return info.Exists;
        string? why = null;
        try { if (info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true }) return true; }
        catch (IOException e) { why = e.Message; }   // a loop of links
        throw new DataFormatException(file,
            $"{file}: a symbolic link to '{target}', which {(why is null ? "does not exist" : $"cannot be followed ({why})")}. " +
            "Remove the link, or put back what it points to.",
            new FileNotFoundException("dangling symbolic link", file));
    }

    /// <summary>The path with every link resolved (POSIX realpath), so two routes to one folder compare equal.</summary>
    public static string RealPath(string path, int depth = 0)
    {
        if (depth > 40) throw new IOException($"{path}: too many levels of symbolic links.");
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            // A link's target is relative to the folder holding the link, which is already real here.
            if (new FileInfo(next).LinkTarget is { } target) next = RealPath(Path.Combine(current, target), depth + 1);
            current = next;
        }
        return current;
    }
}
