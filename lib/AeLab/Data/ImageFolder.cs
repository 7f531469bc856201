using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>
/// A folder of PNG/JPEG/GIF images (CelebA, your own pictures, the seeds' "imagefolder"): decoded in
/// parallel into [N, 3, size, size]. Sub-folders, if any, become classes (labels), like torchvision's ImageFolder.
/// </summary>
public static class ImageFolder
{
    public static ImageDataset Load(string dir, int size = 64, int? limit = null)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), $"size must be positive (got {size}).");
        if (limit is < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, $"limit must be at least 1 (got {limit}); leave it out to load every image.");
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: folder not found. Pass the folder that holds the images (PNG, JPEG or GIF).");
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => ImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new DataFormatException(dir, $"{dir}: no PNG, JPEG or GIF images in this folder. Put images there or pass another folder.");
        if (limit is int n) files = files.Take(n).ToList();

        var classes = files.Select(f => Path.GetRelativePath(dir, Path.GetDirectoryName(f)!)).Distinct().Order(StringComparer.Ordinal).ToList();
        bool labelled = classes.Count > 1 || classes[0] != ".";
        return FromFiles(files, size, dir, labelled ? classes : null,
            labelled ? files.Select(f => (long)classes.IndexOf(Path.GetRelativePath(dir, Path.GetDirectoryName(f)!))).ToArray() : null);
    }

    internal static ImageDataset FromFiles(IReadOnlyList<string> files, int size, string source, IReadOnlyList<string>? classNames = null, long[]? labels = null)
    {
        var images = ImageDecoder.DecodeAll(files.Count, i => (File.ReadAllBytes(files[i]), files[i]), size);
        return new ImageDataset(images, labels is null ? null : tensor(labels), classNames, source: source);
    }
}
