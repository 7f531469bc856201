using Parquet;
using Parquet.Schema;

namespace AeLab.Data;

/// <summary>
/// Hugging Face image datasets stored as parquet shards (e.g. svjack/pokemon-blip-captions-en-zh,
/// lansinuote/gen.1.celeba): an image column that is a struct {bytes, path}, plus text columns such
/// as captions, which land in <see cref="ImageDataset.Texts"/>.
/// </summary>
public static class HuggingFaceParquet
{
    /// <summary>The hub; override (or set $AELAB_HF_BASE_URL) for a mirror.</summary>
    public static string BaseUrl { get; set; } = Environment.GetEnvironmentVariable("AELAB_HF_BASE_URL") is { Length: > 0 } u ? u : "https://huggingface.co";

    /// <summary>Local cache (git-ignored): data/cache/hf/&lt;owner&gt;/&lt;name&gt;/&lt;file&gt;.</summary>
    public static string CacheDir => Path.Combine(RepoPaths.DataDir, "cache", "hf");

    /// <summary>
    /// Downloads (once) the given shard files of a dataset repository from the hub's URL layout
    /// &lt;base&gt;/datasets/&lt;repo&gt;/resolve/main/&lt;file&gt; into the cache and returns their local paths.
    /// </summary>
    public static IReadOnlyList<string> Download(string repo, IEnumerable<string> files, string? cacheDir = null)
    {
        if (!repo.Contains('/')) throw new ArgumentException($"repo must be \"owner/name\" (got \"{repo}\").", nameof(repo));
        string root = Path.Combine(cacheDir ?? CacheDir, repo.Replace('/', Path.DirectorySeparatorChar));
        return files.Select(f => Downloads.Fetch(
            new Uri($"{BaseUrl.TrimEnd('/')}/datasets/{repo}/resolve/main/{f}"),
            Path.Combine(root, f.Replace('/', Path.DirectorySeparatorChar)))).ToList();
    }

    /// <summary>Downloads (if needed) and loads shards of a hub dataset.</summary>
    public static ImageDataset LoadFromHub(string repo, IEnumerable<string> files, int size = 64, string? imageColumn = null, int? limit = null) =>
        Load(Download(repo, files), size, imageColumn, limit);

    /// <summary>Loads local parquet shards (in order) into [N, 3, size, size]; text columns go to Texts.</summary>
    public static ImageDataset Load(IEnumerable<string> shards, int size = 64, string? imageColumn = null, int? limit = null)
    {
        var paths = shards.ToList();
        if (paths.Count == 0) throw new ArgumentException("no parquet files given; pass the paths of the dataset's .parquet shards.", nameof(shards));
        var images = new List<(byte[] Bytes, string Name)>();
        var texts = new Dictionary<string, List<string?>>();
        foreach (var path in paths)
        {
            if (limit is int n && images.Count >= n) break;
            ReadShard(path, imageColumn, images, texts);
        }
        if (limit is int m && images.Count > m)
        {
            images.RemoveRange(m, images.Count - m);
            foreach (var t in texts.Values) t.RemoveRange(m, t.Count - m);
        }
        var all = ImageDecoder.DecodeAll(images.Count, i => images[i], size);
        return new ImageDataset(all, texts: texts.ToDictionary(k => k.Key, k => (IReadOnlyList<string?>)k.Value), source: string.Join(", ", paths));
    }

    static void ReadShard(string path, string? imageColumn, List<(byte[], string)> images, Dictionary<string, List<string?>> texts)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: parquet file not found. Check the path, or download the shard with HuggingFaceParquet.Download.", path);
        ParquetReader reader;
        try { reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: not a readable parquet file ({e.Message}). Delete it and download the shard again.", e);
        }
        try
        {
            var fields = reader.Schema.GetDataFields();
            var bytesField = fields.FirstOrDefault(f => f.Name == "bytes" && f.Path.FirstPart != f.Name && (imageColumn is null || f.Path.FirstPart == imageColumn));
            if (bytesField is null)
                throw new InvalidDataException(
                    $"{path}: no image column (a struct {{bytes, path}}{(imageColumn is null ? "" : $" named \"{imageColumn}\"")}); columns: {string.Join(", ", fields.Select(f => f.Path.ToString()))}. " +
                    "Use an image dataset's parquet shard, or pass imageColumn: the right name.");
            // Parquet.Net 6 reports string columns as ReadOnlyMemory<char>; {bytes, path} belong to the image.
            var textFields = fields.Where(f => (f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>)) && f.Path.FirstPart != bytesField.Path.FirstPart).ToList();
            foreach (var f in textFields) if (!texts.ContainsKey(f.Name)) texts[f.Name] = new List<string?>(Enumerable.Repeat<string?>(null, images.Count));
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var rg = reader.OpenRowGroupReader(g);
                var data = new byte[rg.RowCount][];
                rg.ReadAsync(bytesField, data.AsMemory(), null).GetAwaiter().GetResult();
                int start = images.Count;
                for (int i = 0; i < data.Length; i++)
                    images.Add((data[i] ?? throw new InvalidDataException($"{path}: row {start + i} has no image bytes. Use a shard whose images are embedded."), $"{path} (row {start + i})"));
                foreach (var f in textFields)
                {
                    var column = new string[rg.RowCount];
                    rg.ReadAsync(f, column.AsMemory(), null).GetAwaiter().GetResult();
                    texts[f.Name].AddRange(column);
                }
                foreach (var (name, list) in texts)
                    while (list.Count < images.Count) list.Add(null); // columns absent from this shard
            }
        }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }
}
