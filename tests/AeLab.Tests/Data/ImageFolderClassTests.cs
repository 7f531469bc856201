using AeLab.Data;
using AeLab.Runtime;
using SkiaSharp;

namespace AeLab.Tests.Data;

/// <summary>Classes as torchvision's ImageFolder makes them (the root's sub-folders, each with every image below it),
/// links followed without looping, and a dangling link named.</summary>
public class ImageFolderClassTests
{
    static void Image(string path, SKColor? colour = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, TestFiles.Png(4, 4, colour ?? SKColors.Gray));
    }

    [Fact]
    public void Nested_folders_belong_to_the_class_of_their_top_folder()
    {
        Lab.Init();
        using var dir = new TempDir();
        Image(dir["cats/2019/a.png"]);
        Image(dir["cats/2020/b.png"]);
        Image(dir["cats/2020/deeper/c.png"]);
        Image(dir["dogs/d.png"]);
        Directory.CreateDirectory(dir["empty"]);   // no images: not a class
        using var ds = ImageFolder.Load(dir.Path, 4);
        Assert.Equal(new[] { "cats", "dogs" }, ds.ClassNames);
        Assert.Equal(new long[] { 0, 0, 0, 1 }, ds.Labels!.data<long>().ToArray());
        // A limit keeps every class name, so label 1 is "dogs" whatever the limit.
        using var two = ImageFolder.Load(dir.Path, 4, limit: 2);
        Assert.Equal(new[] { "cats", "dogs" }, two.ClassNames);
        Assert.Equal(new long[] { 0, 0 }, two.Labels!.data<long>().ToArray());
    }

    [Fact]
    public void A_link_back_to_the_folder_adds_nothing()
    {
        Lab.Init();
        using var dir = new TempDir();
        Image(dir["only.png"]);
        Directory.CreateSymbolicLink(dir["loop"], ".");
        using var flat = ImageFolder.Load(dir.Path, 4);
        Assert.Equal(1, flat.Count);
        Assert.Null(flat.Labels);

        // Inside a class: a link to the class itself and one to its parent.
        using var classes = new TempDir();
        Image(classes["cats/a.png"]);
        Image(classes["dogs/b.png"]);
        Directory.CreateSymbolicLink(classes["cats/again"], "../cats");
        Directory.CreateSymbolicLink(classes["cats/up"], "..");
        using var ds = ImageFolder.Load(classes.Path, 4);
        Assert.Equal(new[] { "cats", "dogs" }, ds.ClassNames);
        Assert.Equal(new long[] { 0, 1 }, ds.Labels!.data<long>().ToArray());
    }

    [Fact]
    public void Links_to_folders_and_files_elsewhere_are_followed()
    {
        Lab.Init();
        using var elsewhere = new TempDir();
        Image(elsewhere["x.png"], SKColors.Red);
        Image(elsewhere["y.png"], SKColors.Blue);
        using var dir = new TempDir();
        Directory.CreateSymbolicLink(dir["red"], elsewhere.Path);
        Image(dir["blue/own.png"]);
        File.CreateSymbolicLink(dir["blue/linked.png"], elsewhere["y.png"]);
        using var ds = ImageFolder.Load(dir.Path, 4);
        Assert.Equal(new[] { "blue", "red" }, ds.ClassNames);
        Assert.Equal(new long[] { 0, 0, 1, 1 }, ds.Labels!.data<long>().ToArray());
    }

    [Fact]
    public void A_dangling_link_named_like_an_image_is_named_with_its_target()
    {
        Lab.Init();
        using var dir = new TempDir();
        Image(dir["cats/a.png"]);
        File.CreateSymbolicLink(dir["cats/gone.png"], "/no/such/picture.png");
        File.CreateSymbolicLink(dir["cats/notes"], "/no/such/notes");   // not named like an image: ignored
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(dir.Path, 4));
        Console.WriteLine(e.Message);
        Assert.Equal(dir["cats/gone.png"], e.Path);
        Assert.Equal($"{dir["cats/gone.png"]}: a symbolic link to '/no/such/picture.png', which does not exist. Remove the link, or put back what it points to.", e.Message);
        Assert.IsType<FileNotFoundException>(e.InnerException);
    }

    [Fact]
    public void Images_beside_class_folders_are_left_out_and_counted()
    {
        Lab.Init();
        using var dir = new TempDir();
        Image(dir["loose.png"]);
        Image(dir["cats/a.png"]);
        var said = new StringWriter();
        var before = Console.Out;
        Console.SetOut(said);
        try
        {
            using var ds = ImageFolder.Load(dir.Path, 4);
            Assert.Equal(1, ds.Count);
            Assert.Equal(new[] { "cats" }, ds.ClassNames);
        }
        finally { Console.SetOut(before); }
        Assert.Contains($"1 image(s) directly in '{dir.Path}' belong to no class folder and are left out", said.ToString());
    }
}
