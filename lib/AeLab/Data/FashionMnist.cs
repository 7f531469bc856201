using AeLab.Runtime;
using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>Fashion-MNIST (Zalando): 60,000 training and 10,000 test images, 28×28 grey, 10 classes.</summary>
public static class FashionMnist
{
    public const string EnvironmentVariable = "AELAB_FASHION_MNIST";
    /// <summary>Where the Debian package dataset-fashion-mnist puts the files (settable for other layouts).</summary>
    public static string SystemFolder { get; set; } = "/usr/share/datasets/fashion-mnist";
    public const string OfficialBaseUrl = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>MD5 of the official gzip files (as published in the Fashion-MNIST README).</summary>
    public static readonly IReadOnlyDictionary<string, string> OfficialMd5 = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte.gz"] = "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        ["train-labels-idx1-ubyte.gz"] = "25c81989df183df01b3e8a0aad5dffbe",
        ["t10k-images-idx3-ubyte.gz"] = "bef4ecab320f06d8554ea6380940ec79",
        ["t10k-labels-idx1-ubyte.gz"] = "bb300cfdad3c16e7a12a480ee83cd310",
    };

    /// <summary>
    /// Loads the training (60k) or test (10k) split as [N, 1, 28, 28] floats in [0, 1] with int64 labels.
    /// An explicit <paramref name="path"/>, else $AELAB_FASHION_MNIST, must hold the split: when it does not,
    /// that is an error (no other copy is used in its place). With neither set it looks in data/fashion-mnist,
    /// then /usr/share/datasets/fashion-mnist; with <paramref name="download"/> it fetches the official files
    /// (checked by MD5) into data/fashion-mnist when none is found.
    /// </summary>
    public static ImageDataset Load(bool train = true, string? path = null, bool download = false, string? baseUrl = null)
    {
        string prefix = train ? "train" : "t10k";
        if (Explicit(path) is var (where, folder)) return LoadFrom(RequireSplit(folder, prefix, where), prefix);
        string? dir = Find(prefix);
        if (dir is null && download) dir = Download(LocalFolder, train, baseUrl);
        if (dir is null) throw NotFound(prefix);
        return LoadFrom(dir, prefix);
    }

    /// <summary>
    /// Downloads the split's two files from <paramref name="baseUrl"/> (default: the official site) into
    /// <paramref name="dir"/>, each checked against <paramref name="md5"/> (default: the official MD5s).
    /// </summary>
    public static string Download(string dir, bool train = true, string? baseUrl = null, IReadOnlyDictionary<string, string>? md5 = null)
    {
        string prefix = train ? "train" : "t10k";
        foreach (var kind in new[] { "images-idx3", "labels-idx1" })
        {
            string name = $"{prefix}-{kind}-ubyte.gz";
            Downloads.Fetch(new Uri(Downloads.BaseUri(baseUrl ?? OfficialBaseUrl, nameof(baseUrl)), name), Path.Combine(dir, name), md5: (md5 ?? OfficialMd5)[name]);
        }
        return dir;
    }

    /// <summary>data/fashion-mnist in the course folder.</summary>
    public static string LocalFolder => Path.Combine(Course.DataFolder, "fashion-mnist");

    /// <summary>The folders searched, in order. The first two, when set, are the only place looked at.</summary>
    public static IEnumerable<(string Where, string? Dir)> SearchOrder(string? path) =>
    [
        ("the path argument", path),
        ($"${EnvironmentVariable}", EnvironmentFolder),
        ("data/fashion-mnist", LocalFolder),
        ("the Debian package dataset-fashion-mnist", SystemFolder),
    ];

    static string? EnvironmentFolder => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } e ? e : null;

    /// <summary>The folder the caller chose (the path argument, else the environment variable), if any.</summary>
    static (string Where, string Dir)? Explicit(string? path) =>
        path is not null ? ("the path argument", path)
        : EnvironmentFolder is { } env ? ($"the environment variable {EnvironmentVariable}", env)
        : null;

    static string? Find(string prefix) =>
        new[] { LocalFolder, SystemFolder }.FirstOrDefault(dir => FileFor(dir, $"{prefix}-images-idx3-ubyte") is not null);

    /// <summary>Returns <paramref name="dir"/> when it holds the split's images; otherwise says what it holds instead.</summary>
    static string RequireSplit(string dir, string prefix, string where)
    {
        string files = $"{prefix}-images-idx3-ubyte.gz and {prefix}-labels-idx1-ubyte.gz (or the same names without .gz)";
        string fix = where.StartsWith("the environment", StringComparison.Ordinal)
            ? $"Point {EnvironmentVariable} at the folder that holds them, or unset it to use data/fashion-mnist or {SystemFolder}."
            : $"Pass the folder that holds them, or leave path out to use ${EnvironmentVariable}, data/fashion-mnist or {SystemFolder}.";
        if (string.IsNullOrWhiteSpace(dir))
            throw new FileNotFoundException($"Fashion-MNIST: {where} is empty; it must name the folder with {files}. {fix}");
        if (File.Exists(dir))
            throw new FileNotFoundException($"{dir} (from {where}) is a file; Fashion-MNIST needs the folder that holds {files}. {fix}", dir);
        if (!Directory.Exists(dir))
            throw new FileNotFoundException($"{dir} (from {where}) does not exist; it must be the folder that holds the Fashion-MNIST files {files}. {fix}", dir);
        if (FileFor(dir, $"{prefix}-images-idx3-ubyte") is null)
        {
            var found = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(6).ToList();
            string holds = found.Count == 0 ? "it is empty" : $"it holds {string.Join(", ", found)}{(found.Count == 6 ? ", ..." : "")}";
            throw new FileNotFoundException($"{dir} (from {where}) has no {(prefix == "train" ? "training" : "test")} split: {holds}; expected {files}. {fix}", dir);
        }
        return dir;
    }

    static string? FileFor(string dir, string stem) =>
        new[] { stem + ".gz", stem }.Select(n => Path.Combine(dir, n)).FirstOrDefault(File.Exists);

    static ImageDataset LoadFrom(string dir, string prefix)
    {
        string imagesPath = FileFor(dir, $"{prefix}-images-idx3-ubyte")!;
        string labelsPath = FileFor(dir, $"{prefix}-labels-idx1-ubyte")
            ?? throw new FileNotFoundException($"{Path.Combine(dir, prefix + "-labels-idx1-ubyte.gz")}: the labels file is missing next to {imagesPath}. Copy it from the same Fashion-MNIST release.");
        using var raw = Idx.Read(imagesPath, 3);
        var labels = Idx.Read(labelsPath, 1);
        long nImages = raw.shape[0], nLabels = labels.shape[0];
        if (nLabels != nImages)
        {
            labels.Dispose();
            throw new DataFormatException(labelsPath, $"{imagesPath} holds {nImages} images but {labelsPath} holds {nLabels} labels; use the images and labels of the same split.");
        }
        using var _ = labels;
        if (raw.shape[1] != 28 || raw.shape[2] != 28)
            throw new DataFormatException(imagesPath, $"{imagesPath} holds {raw.shape[1]}×{raw.shape[2]} images; Fashion-MNIST images are 28×28. Use the original Fashion-MNIST files.");
        using var max = labels.max();
        if (max.item<byte>() is var top && top >= ClassNames.Count)
            throw new DataFormatException(labelsPath, $"{labelsPath} holds label {top}; Fashion-MNIST labels are 0 to {ClassNames.Count - 1}. Use the original Fashion-MNIST files.");
        var images = raw.unsqueeze(1).to(ScalarType.Float32).div_(255f);
        return new ImageDataset(images, labels.to(ScalarType.Int64), ClassNames, source: imagesPath);
    }

    static FileNotFoundException NotFound(string prefix) => new(
        $"Fashion-MNIST ({prefix}-images-idx3-ubyte.gz and {prefix}-labels-idx1-ubyte.gz) was not found in {LocalFolder} or {SystemFolder}. Options:\n" +
        $"  1. pass the folder: FashionMnist.Load(path: \"/folder/with/the/files\")\n" +
        $"  2. set the environment variable {EnvironmentVariable} to that folder\n" +
        $"  3. put the files in {LocalFolder}\n" +
        $"  4. install the Debian package: sudo apt-get install dataset-fashion-mnist (gives {SystemFolder})\n" +
        $"  5. with a network: FashionMnist.Load(download: true) fetches the official files into {LocalFolder}");
}
