using AeLab.Runtime;
using Parquet.Data;
using Parquet.Schema;
using Parquet;

namespace AeLab.Data;

/// <summary>
/// Hugging Face image datasets stored as parquet shards (e.g. svjack/pokemon-blip-captions-en-zh,
/// lansinuote/gen.1.celeba): an image column that is a struct {bytes, path}, plus text columns such
/// as captions, which land in <see cref="ImageDataset.Texts"/>.
/// </summary>
public static class HuggingFaceParquet
{
    public const string BaseUrlVariable = "AELAB_HF_BASE_URL";

    /// <summary>
    /// The hub; override (or set $AELAB_HF_BASE_URL) for a mirror. Checked when a download starts. Setting it to
    /// null goes back to the environment variable (or the hub).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.AllowNull]
    public static string BaseUrl
    {
        get => _baseUrl ?? (Environment.GetEnvironmentVariable(BaseUrlVariable) is { Length: > 0 } u ? u : "https://huggingface.co");
        set => _baseUrl = value;
    }
    static string? _baseUrl;

    /// <summary>Where <see cref="BaseUrl"/> came from, for messages.</summary>
    static string BaseUrlSetting => _baseUrl is not null ? "HuggingFaceParquet.BaseUrl" : $"the environment variable {BaseUrlVariable}";

    /// <summary>Local cache (git-ignored): data/cache/hf/&lt;owner&gt;/&lt;name&gt;/&lt;file&gt;.</summary>
    public static string CacheDir => Path.Combine(Course.DataFolder, "cache", "hf");

    /// <summary>
    /// Downloads (once) the given shard files of a dataset repository from the hub's URL layout
    /// &lt;base&gt;/datasets/&lt;repo&gt;/resolve/main/&lt;file&gt; into the cache and returns their local paths.
    /// </summary>
    public static IReadOnlyList<string> Download(string repo, IEnumerable<string> files, string? cacheDir = null)
    {
        if (!repo.Contains('/')) throw new ArgumentException($"repo must be \"owner/name\" (got \"{repo}\").", nameof(repo));
        var hub = Downloads.BaseUri(BaseUrl, BaseUrlSetting).AbsoluteUri.TrimEnd('/');
        string root = Path.Combine(cacheDir ?? CacheDir, repo.Replace('/', Path.DirectorySeparatorChar));
        return files.Select(f => Downloads.Fetch(
            new Uri($"{hub}/datasets/{repo}/resolve/main/{f}"),
            Path.Combine(root, f.Replace('/', Path.DirectorySeparatorChar)))).ToList();
    }

    /// <summary>Downloads (if needed) and loads shards of a hub dataset.</summary>
    public static ImageDataset LoadFromHub(string repo, IEnumerable<string> files, int size = 64, string? imageColumn = null, int? limit = null) =>
        Load(Download(repo, files), size, imageColumn, limit);

    /// <summary>Loads local parquet shards (in order) into [N, 3, size, size]; text columns go to Texts.</summary>
    public static ImageDataset Load(IEnumerable<string> shards, int size = 64, string? imageColumn = null, int? limit = null)
    {
        var paths = shards.ToList();
        if (limit is < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, $"limit must be at least 1 (got {limit}); leave it out to load every row.");
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
            throw new DataFormatException(path, $"{path}: not a readable parquet file ({e.Message}). Delete it and download the shard again.", e);
        }
        try
        {
            ReadColumns(path, reader, imageColumn, images, texts);
        }
        catch (Exception e) when (e is not (DataFormatException or OutOfMemoryException))
        {
            // Parquet.Net reads the schema and pages lazily: damage can surface here as any exception.
            throw new DataFormatException(path, $"{path}: the parquet file is damaged ({e.GetType().Name}: {e.Message}). Delete it and download the shard again.", e);
        }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    static void ReadColumns(string path, ParquetReader reader, string? imageColumn, List<(byte[], string)> images, Dictionary<string, List<string?>> texts)
    {
        {
            var fields = reader.Schema.GetDataFields();
            var bytesField = fields.FirstOrDefault(f => f.Name == "bytes" && f.Path.FirstPart != f.Name && (imageColumn is null || f.Path.FirstPart == imageColumn));
            if (bytesField is null)
                throw new DataFormatException(path,
                    $"{path}: no image column (a struct {{bytes, path}}{(imageColumn is null ? "" : $" named \"{imageColumn}\"")}); columns: {string.Join(", ", fields.Select(f => f.Path.ToString()))}. " +
                    "Use an image dataset's parquet shard, or pass imageColumn: the right name.");
            // Parquet.Net 6 reports string columns as ReadOnlyMemory<char>; {bytes, path} belong to the image.
            var textFields = fields.Where(f => (f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>)) && f.Path.FirstPart != bytesField.Path.FirstPart).ToList();
            foreach (var f in textFields) if (!texts.ContainsKey(f.Name)) texts[f.Name] = new List<string?>(Enumerable.Repeat<string?>(null, images.Count));
            if (reader.RowGroupCount == 0 || reader.RowGroups.Sum(g => g.RowCount) == 0)
                throw new DataFormatException(path, $"{path}: the parquet file holds no rows (its footer lists {reader.RowGroupCount} row groups and no images). Delete it and download the shard again, or leave it out.");
            long fileRow = 0; // rows are numbered within the file, from 0, as parquet tools show them
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var rg = reader.OpenRowGroupReader(g);
                int rows = checked((int)rg.RowCount);
                var column = ReadImageBytes(rg, bytesField, rows, path, g, fileRow);
                for (int i = 0; i < rows; i++)
                    images.Add((column[i], $"{path} (row {fileRow + i})"));
                foreach (var f in textFields)
                {
                    var text = new string?[rows];
                    Guard(path, g, fileRow, rows, f, () => rg.ReadAsync(f, text.AsMemory(), null).GetAwaiter().GetResult());
                    texts[f.Name].AddRange(text);
                }
                foreach (var (name, list) in texts)
                    while (list.Count < images.Count) list.Add(null); // columns absent from this shard
                fileRow += rows;
            }
        }
    }

    /// <summary>
    /// One image per row. Parquet.Net returns the non-null values packed together, so nulls are found from the
    /// definition levels; otherwise every image after a null would shift one row against its caption.
    /// </summary>
    static byte[][] ReadImageBytes(ParquetRowGroupReader rg, DataField field, int rows, string path, int group, long firstRow)
    {
        byte[][] packed = [];
        int[] levels = [];
        Guard(path, group, firstRow, rows, field, () =>
        {
            using var raw = rg.ReadRawColumnDataBaseAsync(field).GetAwaiter().GetResult();
            levels = raw.DefinitionLevels.ToArray();
            packed = raw is RawColumnData<ReadOnlyMemory<byte>> typed
                ? typed.Values.ToArray().Select(v => v.ToArray()).ToArray()
                : throw new InvalidDataException($"unexpected column data {raw.GetType().Name}");
        });
        // Every row must have its image; the first null ends the read, so the packed values line up with the rows.
        for (int i = 0; i < levels.Length; i++)
            if (levels[i] < field.MaxDefinitionLevel)
                throw new DataFormatException(path,
                    $"{path}: row {firstRow + i} (counting from 0) has no image: its {field.Path} is null. " +
                    "Remove that row from the shard (or fill in its image); rows are not skipped, so that images and captions stay aligned.");
        if (packed.Length != rows || (levels.Length != 0 && levels.Length != rows))
            throw new DataFormatException(path,
                $"{path}: row group {group} says {rows} rows but its image column holds {packed.Length} images; the file is damaged. Delete it and download the shard again.");
        return packed;
    }

    /// <summary>Runs a column read; a damaged page (bad compression, bad encoding) becomes an error naming the file, rows and column.</summary>
    static void Guard(string path, int group, long firstRow, int rows, DataField field, Action read)
    {
        try { read(); }
        catch (Exception e) when (e is not (DataFormatException or OutOfMemoryException))
        {
            throw new DataFormatException(path,
                $"{path}: column {field.Path} of rows {firstRow}-{firstRow + rows - 1} (row group {group}) cannot be read ({e.GetType().Name}: {e.Message}); " +
                "the file is damaged. Delete it and download the shard again.", e);
        }
    }
}
