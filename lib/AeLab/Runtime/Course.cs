namespace AeLab.Runtime;

// One source for the course's folders and its smoke switch, compiled into the library and (linked, internal) into
// the lesson runner, which must not reference the library.

/// <summary>
/// Where the course keeps things, found from the current folder (a lesson's kernel runs in notebooks/), then from
/// the library's own folder: the root (holding notebooks/ and lib/), data/, and per lesson the checkpoint and run
/// folders. In smoke mode the lesson folders get a "smoke" folder, so a smoke run never touches a full run's files.
/// </summary>
#if AELAB_RUNNER
internal
#else
public
#endif
static class Course
{
    /// <summary>The smoke switch: <c>AELAB_SMOKE=1</c> (or true/yes).</summary>
    public const string SmokeVariable = "AELAB_SMOKE";

    /// <summary>True in smoke mode: lessons shrink data and epochs so they run in seconds (what CI runs).</summary>
    public static bool Smoke => IsOn(Environment.GetEnvironmentVariable(SmokeVariable));

    /// <summary>The training switch: <c>AELAB_TRAIN=1</c> trains every model instead of loading a checkpoint or shipped weights.</summary>
    public const string TrainVariable = "AELAB_TRAIN";

    /// <summary>True when every lesson trains its models from scratch (nothing is deleted; checkpoints are rewritten).</summary>
    public static bool Train => IsOn(Environment.GetEnvironmentVariable(TrainVariable));

    /// <summary><c>AELAB_EXPORT_WEIGHTS=1</c> (set by notebooks/train-weights.sh): a full-mode training also rewrites the shipped weights.</summary>
    public const string ExportVariable = "AELAB_EXPORT_WEIGHTS";

    /// <summary>True when trained checkpoints are also written as shipped weights.</summary>
    public static bool ExportWeights => IsOn(Environment.GetEnvironmentVariable(ExportVariable));

    /// <summary><c>AELAB_SHIPPED=1</c> (runner <c>--shipped</c>): every full-mode model comes from the shipped weights; the
    /// learner's checkpoints are ignored, nothing trains, and a model without matching shipped weights is an error. The
    /// test of the shipped weights runs the lessons this way.</summary>
    public const string ShippedVariable = "AELAB_SHIPPED";

    /// <summary>True when only shipped weights may be used.</summary>
    public static bool ShippedOnly => IsOn(Environment.GetEnvironmentVariable(ShippedVariable));

    /// <summary>How every AELAB_ switch reads: 1, true or yes (any case) is on; anything else, or unset, is off.</summary>
    public static bool IsOn(string? value) =>
        value?.Trim().ToLowerInvariant() is "1" or "true" or "yes";

    /// <summary>The course's root folder (holding notebooks/ and lib/), or null when neither the current folder nor
    /// the library's folder is inside it.</summary>
    public static string? Root => RootOverride ??
        FindRoot(Environment.CurrentDirectory) ?? FindRoot(Path.GetDirectoryName(typeof(Course).Assembly.Location)) ?? FindRoot(AppContext.BaseDirectory);

    /// <summary>Tests point the course at a folder of their own.</summary>
    internal static string? RootOverride { get; set; }

    /// <summary>The data folder: &lt;root&gt;/data, or ./data outside the course.</summary>
    public static string DataFolder => Path.Combine(Root ?? Environment.CurrentDirectory, "data");

    /// <summary>The lessons' folder: &lt;root&gt;/notebooks, or the current folder outside the course.</summary>
    public static string NotebooksFolder => Root is { } root ? Path.Combine(root, "notebooks") : Environment.CurrentDirectory;

    /// <summary>Where a lesson keeps a checkpoint: notebooks/checkpoints/&lt;lesson&gt;[/smoke]/&lt;name&gt;.ckpt (git-ignored).
    /// <paramref name="lesson"/> is the lesson's file name without .dib, e.g. "01-autoencoder".</summary>
    public static string Checkpoint(string lesson, string name)
    {
        Require(lesson, name, "Checkpoint(\"01-autoencoder\", \"mlp-ae\")");
        var file = name.EndsWith(".ckpt", StringComparison.Ordinal) ? name : name + ".ckpt";
        return Path.Combine(LessonFolder("checkpoints", lesson), file);
    }

    /// <summary>A lesson's own file beside its checkpoints: notebooks/checkpoints/&lt;lesson&gt;[/smoke]/&lt;fileName&gt; (git-ignored),
    /// e.g. weights a learner brings from PyTorch. <paramref name="lesson"/> is the lesson's file name without .dib.</summary>
    public static string LessonFile(string lesson, string fileName)
    {
        Require(lesson, fileName, "LessonFile(\"08-conv-vae-pokemon\", \"vae_model.pth\")");
        if (fileName.IndexOfAny(new[] { '/', '\\' }) >= 0)
            throw new ArgumentException($"'{fileName}' is not a file name: give the name only, e.g. Course.LessonFile(\"08-conv-vae-pokemon\", \"vae_model.pth\").", nameof(fileName));
        return Path.Combine(LessonFolder("checkpoints", lesson), fileName);
    }

    /// <summary>Where a lesson's training logs go (TensorBoard events, metrics.csv): notebooks/runs/&lt;lesson&gt;[/smoke][/&lt;name&gt;].</summary>
    public static string Runs(string lesson, string? name = null)
    {
        Require(lesson, name ?? "-", "Runs(\"01-autoencoder\")");
        var folder = LessonFolder("runs", lesson);
        return name is null ? folder : Path.Combine(folder, name);
    }

    static string LessonFolder(string kind, string lesson)
    {
        var folder = Path.Combine(NotebooksFolder, kind, lesson);
        return Smoke ? Path.Combine(folder, "smoke") : folder;
    }

    static void Require(string lesson, string name, string example)
    {
        if (string.IsNullOrWhiteSpace(lesson) || string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"Give the lesson's file name without .dib and a name, e.g. Course.{example}.");
        if (lesson.IndexOfAny(new[] { '/', '\\' }) >= 0 || lesson.EndsWith(".dib", StringComparison.Ordinal))
            throw new ArgumentException($"'{lesson}' is not a lesson name: give the file name without folder or .dib, e.g. Course.{example}.", nameof(lesson));
    }

    static string? FindRoot(string? start)
    {
        for (var d = start is null ? null : new DirectoryInfo(start); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "notebooks")) && Directory.Exists(Path.Combine(d.FullName, "lib")))
                return d.FullName;
        return null;
    }
}
