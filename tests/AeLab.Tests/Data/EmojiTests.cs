using AeLab.Data;
using AeLab.Runtime;
using SkiaSharp;

namespace AeLab.Tests.Data;

public class EmojiTests
{
    [Fact]
    public void Built_set_holds_out_whole_pictures_with_their_skin_tones()
    {
        string dir = Path.Combine(Course.DataFolder, "emoji", "twitter");
        if (!File.Exists(Path.Combine(dir, "emoji.json"))) return; // built by: bash data/emoji.sh
        Lab.Init();
        var all = Emoji.Entries(dir);
        Assert.Equal(3786, all.Count);
        var valBases = all.Where(e => Emoji.IsVal(e.Base)).Select(e => e.Base).ToHashSet();
        // About a tenth of the pictures are held out, and no picture has images on both sides.
        Assert.InRange(valBases.Count, 150, 240);
        Assert.All(all.GroupBy(e => e.Base), g => Assert.Single(g.Select(e => Emoji.IsVal(e.Base)).Distinct()));
        using var val = Emoji.Load(64, "val");
        Assert.Equal(all.Count(e => valBases.Contains(e.Base)), val.Count);
        Assert.Equal(new long[] { val.Count, 3, 64, 64 }, val.Images.shape);
        Assert.Equal(Emoji.KnownCategories, val.ClassNames);
        // Transparency is flattened onto white: the corners are white in almost every image.
        Assert.True(val.Images[.., .., 0, 0].mean().item<float>() > 0.95f);
    }

    static void Write(TempDir root, string json, params string[] files)
    {
        Directory.CreateDirectory(root["twitter/64"]);
        File.WriteAllText(root["twitter/emoji.json"], json);
        foreach (var f in files) File.WriteAllBytes(Path.Combine(root["twitter/64"], f), TestFiles.Png(8, 8, SKColors.Red));
    }

    // Three emoji: a dog, a hand with one skin-tone variant, and a flag without a Twitter image.
    const string Json = """
        [
          {"name":"DOG FACE","unified":"1F436","image":"1f436.png","category":"Animals & Nature","sort_order":3,"has_img_twitter":true},
          {"name":"WAVING HAND SIGN","unified":"1F44B","image":"1f44b.png","category":"People & Body","sort_order":2,"has_img_twitter":true,
           "skin_variations":{"1F3FB":{"unified":"1F44B-1F3FB","image":"1f44b-1f3fb.png","has_img_twitter":true}}},
          {"name":"FLAG","unified":"1F1E6","image":"1f1e6.png","category":"Flags","sort_order":1,"has_img_twitter":false}
        ]
        """;

    [Fact]
    public void Entries_follow_the_emoji_order_with_variants_after_their_base_and_category_labels()
    {
        Lab.Init();
        using var root = new TempDir();
        Write(root, Json, "1f436.png", "1f44b.png", "1f44b-1f3fb.png");
        var entries = Emoji.Entries(root["twitter"]);
        Assert.Equal(["1f44b.png", "1f44b-1f3fb.png", "1f436.png"], entries.Select(e => e.File));
        Assert.Equal(["1F44B", "1F44B", "1F436"], entries.Select(e => e.Base));
        Assert.Equal(2, Emoji.Entries(root["twitter"], skinTones: false).Count);
        using var all = Emoji.Load(16, "all", root: root.Path);
        Assert.Equal(new long[] { 3, 3, 16, 16 }, all.Images.shape);
        Assert.Equal(["People & Body", "People & Body", "Animals & Nature"], all.Labels!.data<long>().ToArray().Select(i => all.ClassNames[(int)i]));
        Assert.Equal("WAVING HAND SIGN (1F3FB)", all.Texts["name"][1]);
        using var train = Emoji.Load(16, "train", root: root.Path);
        using var val = Emoji.Load(16, "val", root: root.Path);
        Assert.Equal(3, train.Count + val.Count);
        // One category: its images only, with the labels of the whole set.
        using var people = Emoji.Load(16, "all", root: root.Path, category: "People & Body");
        Assert.Equal(["WAVING HAND SIGN", "WAVING HAND SIGN (1F3FB)"], people.Texts["name"]);
        Assert.Equal(all.ClassNames, people.ClassNames);
        Assert.All(people.Labels!.data<long>().ToArray(), l => Assert.Equal("People & Body", people.ClassNames[(int)l]));
        var unknown = Assert.Throws<ArgumentException>(() => Emoji.Load(16, "all", root: root.Path, category: "People"));
        Assert.Equal("category", unknown.ParamName);
        Assert.Contains("\"People & Body\"", unknown.Message);
    }

    [Fact]
    public void A_missing_image_a_missing_set_and_broken_json_are_named_with_the_fix()
    {
        using var root = new TempDir();
        var absent = Assert.Throws<DirectoryNotFoundException>(() => Emoji.Load(root: root.Path));
        Assert.Contains("bash data/emoji.sh twitter", absent.Message);

        Write(root, Json, "1f436.png", "1f44b.png");
        var missing = Assert.Throws<DataFormatException>(() => Emoji.Entries(root["twitter"]));
        Assert.Contains("1 of the 3 images emoji.json lists are missing (1f44b-1f3fb.png)", missing.Message);
        Assert.Contains("bash data/emoji.sh twitter", missing.Message);

        File.WriteAllText(root["twitter/emoji.json"], "[{\"name\": ");
        var broken = Assert.Throws<DataFormatException>(() => Emoji.Entries(root["twitter"]));
        Assert.Contains("is not valid JSON", broken.Message);
        Assert.Equal(root["twitter/emoji.json"], broken.Path);

        File.WriteAllText(root["twitter/emoji.json"], "[{\"name\":\"X\",\"has_img_twitter\":true,\"image\":\"x.png\"}]");
        Assert.Contains("emoji 1 has no \"unified\" string", Assert.Throws<DataFormatException>(() => Emoji.Entries(root["twitter"])).Message);

        Assert.Throws<ArgumentException>(() => Emoji.Load(split: "test", root: root.Path));
        Assert.Throws<ArgumentException>(() => Emoji.Load(vendor: "apple", root: root.Path));
    }
}
