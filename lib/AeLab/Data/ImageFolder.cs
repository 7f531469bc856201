using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>
/// A folder of PNG/JPEG/GIF images (CelebA, your own pictures, the seeds' "imagefolder"): decoded in
/// parallel into [N, 3, size, size]. Classes work like torchvision's ImageFolder: each sub-folder of
/// <c>dir</c> that holds images is one class (named by the sub-folder, sorted), and takes every image found
/// anywhere below it (<c>cats/2019/a.png</c> and <c>cats/2020/b.png</c> are both "cats"). Without such
/// sub-folders the images directly in <c>dir</c> load unlabelled.
/// </summary>
/// <remarks>
/// Links to folders are followed, each real folder entered once per class, so a link back up (<c>ln -s . loop</c>)
/// adds nothing. A link named like an image that points to nothing is refused with a <see cref="DataFormatException"/>
/// naming it and its target (not skipped: the folder is not what its owner thinks). Images directly in <c>dir</c>
/// beside class folders belong to no class; like torchvision, they are left out, and a line says how many.
/// </remarks>
public static class ImageFolder
{
    /// <param name="dir">The folder: images directly in it, or one sub-folder per class.</param>
    /// <param name="size">Images are scaled and centre-cropped to size×size.</param>
    /// <param name="limit">Load only the first images (by class, then path); the class names stay those of the whole
    /// folder, so a label means the same class whatever the limit.</param>
    public static ImageDataset Load(string dir, int size = 64, int? limit = null)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), $"size must be positive (got {size}).");
        if (limit is < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, $"limit must be at least 1 (got {limit}); leave it out to load every image.");
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: folder not found. Pass the folder that holds the images (PNG, JPEG or GIF).");

        var root = ImageFiles.RealPath(dir);
        var classes = new List<(string Name, List<string> Files)>();
        foreach (var sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            // A class never re-enters the root through a link: that would give it every other class's images.
            var files = ImageFiles.Below(sub, new HashSet<string> { root });
            if (files.Count > 0) classes.Add((Path.GetFileName(sub), files));
        }
        var loose = ImageFiles.In(dir);
        if (classes.Count == 0 && loose.Count == 0)
            throw new DataFormatException(dir, $"{dir}: no PNG, JPEG or GIF images in this folder. Put images there or pass another folder.");
        if (classes.Count > 0 && loose.Count > 0)
            Console.WriteLine($"ImageFolder: {loose.Count} image(s) directly in '{dir}' belong to no class folder and are left out; " +
                              "move them into one of the class folders to use them.");

        var all = classes.Count == 0
            ? loose.Select(f => (File: f, Label: -1L))
            : classes.SelectMany((c, i) => c.Files.Select(f => (File: f, Label: (long)i)));
        var chosen = (limit is int n ? all.Take(n) : all).ToList();
        return FromFiles(chosen.Select(c => c.File).ToList(), size, dir,
            classes.Count == 0 ? null : classes.Select(c => c.Name).ToList(),
            classes.Count == 0 ? null : chosen.Select(c => c.Label).ToArray());
    }

    internal static ImageDataset FromFiles(IReadOnlyList<string> files, int size, string source, IReadOnlyList<string>? classNames = null, long[]? labels = null)
    {
        var images = ImageDecoder.DecodeAll(files.Count, i => (File.ReadAllBytes(files[i]), files[i]), size);
        return new ImageDataset(images, labels is null ? null : tensor(labels), classNames, source: source);
    }
}
