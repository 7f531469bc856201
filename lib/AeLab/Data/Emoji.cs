using System.Text.Json;
using AeLab.Runtime;

namespace AeLab.Data;

/// <summary>
/// Emoji artwork in colour: every emoji of npm <c>emoji-datasource-&lt;vendor&gt;</c> 16.0.0 with its skin-tone variants
/// (Twemoji: 1 911 emoji, 3 786 images at 64×64, CC-BY 4.0; Noto Emoji: Apache-2.0), built by <c>data/emoji.sh</c> into
/// <c>data/emoji/&lt;vendor&gt;/</c>, transparency flattened onto white. Labels are the emoji's category (Smileys &amp;
/// Emotion, People &amp; Body, Animals &amp; Nature, Food &amp; Drink, …).
/// </summary>
/// <remarks>
/// The split is by picture, not by image: an emoji and all its skin-tone variants fall on the same side, so
/// "val" holds only pictures the model never saw. An emoji is "val" when a fixed hash of its code points says so
/// (about one in <see cref="ValEvery"/>): the split does not depend on file order or on which vendor is loaded.
/// Images are ordered by the emoji's place in the Unicode emoji order, each base before its variants.
/// </remarks>
public static class Emoji
{
    /// <summary>About one emoji in this many (with all its variants) is held out as "val".</summary>
    public const int ValEvery = 10;
    public static readonly string[] Vendors = ["twitter", "google"];

    /// <summary>One image of the set: its file, the emoji it shows (the base's code points), its category, its name.</summary>
    public sealed record Entry(string File, string Base, string Category, string Name);

    /// <summary>Loads the emoji of <paramref name="split"/> ("train", "val" or "all") at <paramref name="size"/> pixels
    /// (64 as shipped; other sizes are resized with a high-quality filter); only those of <paramref name="category"/>
    /// (one of <see cref="KnownCategories"/>, e.g. "People &amp; Body") when it is given. The labels index the same
    /// category list either way.</summary>
    public static ImageDataset Load(int size = 64, string split = "train", string vendor = "twitter", bool skinTones = true, string? root = null,
        string? category = null)
    {
        if (split is not ("train" or "val" or "all")) throw new ArgumentException($"split must be \"train\", \"val\" or \"all\" (got \"{split}\").", nameof(split));
        if (!Vendors.Contains(vendor)) throw new ArgumentException($"vendor must be one of {string.Join(", ", Vendors)} (got \"{vendor}\").", nameof(vendor));
        if (size < 8 || size > 1024) throw new ArgumentOutOfRangeException(nameof(size), size, "size must be between 8 and 1024 pixels.");
        var folder = Path.Combine(root ?? Path.Combine(Course.DataFolder, "emoji"), vendor);
        var all = Entries(folder, vendor, skinTones);
        var categories = Categories(all);
        if (category is not null && !categories.Contains(category))
            throw new ArgumentException($"category must be one of the set's categories: {string.Join(", ", categories.Select(c => $"\"{c}\""))} (got \"{category}\").", nameof(category));
        var entries = all.Where(e => (split == "all" || IsVal(e.Base) == (split == "val")) && (category is null || e.Category == category)).ToList();
        var images = ImageDecoder.DecodeAll(entries.Count, i =>
        {
            var path = Path.Combine(folder, "64", entries[i].File);
            return (File.ReadAllBytes(path), path);
        }, size);
        var labels = TorchSharp.torch.tensor(entries.Select(e => (long)Array.IndexOf(categories, e.Category)).ToArray());
        return new ImageDataset(images, labels, categories,
            new Dictionary<string, IReadOnlyList<string?>> { ["name"] = entries.Select(e => (string?)e.Name).ToArray() }, folder);
    }

    /// <summary>emoji.json's categories in the Unicode emoji order; the labels index this list (then any category not in
    /// it, alphabetically), so a label means the same in every split.</summary>
    public static readonly string[] KnownCategories =
        ["Smileys & Emotion", "People & Body", "Component", "Animals & Nature", "Food & Drink", "Travel & Places",
         "Activities", "Objects", "Symbols", "Flags"];

    static string[] Categories(IEnumerable<Entry> entries) =>
        [.. KnownCategories, .. entries.Select(e => e.Category).Distinct().Where(c => !KnownCategories.Contains(c)).Order(StringComparer.Ordinal)];

    /// <summary>True when the emoji with these code points (e.g. "1F436") is held out: FNV-1a of its upper-case code points.</summary>
    public static bool IsVal(string basePoints)
    {
        uint h = 2166136261;
        foreach (var c in basePoints.ToUpperInvariant()) { h ^= c; h *= 16777619; }
        return h % ValEvery == 0;
    }

    /// <summary>The set's images as emoji.json lists them, checked against the files there.</summary>
    public static List<Entry> Entries(string folder, string vendor = "twitter", bool skinTones = true)
    {
        var json = Path.Combine(folder, "emoji.json");
        var images = Path.Combine(folder, "64");
        if (!File.Exists(json) || !Directory.Exists(images))
            throw new DirectoryNotFoundException($"{folder}: the emoji images are not there. Run: bash data/emoji.sh {vendor}   (from the course folder; needs npm)");
        JsonElement rootElement;
        try { rootElement = JsonDocument.Parse(File.ReadAllBytes(json)).RootElement; }
        catch (JsonException e) { throw new DataFormatException(json, $"{json} is not valid JSON ({e.Message}). Rebuild it: rm -r {folder} && bash data/emoji.sh {vendor}", e); }
        if (rootElement.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(json, $"{json} should hold a JSON array of emoji, as emoji-datasource's emoji.json does. Rebuild it: rm -r {folder} && bash data/emoji.sh {vendor}");

        var has = $"has_img_{vendor}";
        var list = new List<(int Order, int Variant, Entry E)>();
        int index = 0;
        foreach (var e in rootElement.EnumerateArray())
        {
            index++;
            string Field(JsonElement el, string name) =>
                el.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                : throw new DataFormatException(json, $"{json}: emoji {index} has no \"{name}\" string. Rebuild it: rm -r {folder} && bash data/emoji.sh {vendor}");
            if (!(e.TryGetProperty(has, out var h) && h.ValueKind == JsonValueKind.True)) continue;
            var unified = Field(e, "unified");
            var category = Field(e, "category");
            var name = e.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : unified;
            int order = e.TryGetProperty("sort_order", out var so) && so.TryGetInt32(out var o) ? o : index;
            list.Add((order, 0, new Entry(Field(e, "image"), unified, category, name)));
            if (!skinTones || !e.TryGetProperty("skin_variations", out var variants) || variants.ValueKind != JsonValueKind.Object) continue;
            int k = 0;
            foreach (var v in variants.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                k++;
                if (v.Value.TryGetProperty(has, out var vh) && vh.ValueKind == JsonValueKind.True)
                    list.Add((order, k, new Entry(Field(v.Value, "image"), unified, category, $"{name} ({v.Name})")));
            }
        }
        var entries = list.OrderBy(x => x.Order).ThenBy(x => x.Variant).Select(x => x.E).ToList();
        var missing = entries.Where(x => !File.Exists(Path.Combine(images, x.File))).Select(x => x.File).ToList();
        if (missing.Count > 0)
            throw new DataFormatException(images,
                $"{images}: {missing.Count} of the {entries.Count} images emoji.json lists are missing ({string.Join(", ", missing.Take(5))}" +
                $"{(missing.Count > 5 ? ", ..." : "")}). Rebuild the folder: rm -r {folder} && bash data/emoji.sh {vendor}");
        if (entries.Count == 0)
            throw new DataFormatException(json, $"{json} lists no emoji with a {vendor} image. Rebuild it: rm -r {folder} && bash data/emoji.sh {vendor}");
        return entries;
    }
}
