using static TorchSharp.torch;

namespace AeLab.Data;

/// <summary>
/// Images in memory: <see cref="Images"/> [N, C, H, W] float32 in [0, 1] on the CPU, optional int64
/// <see cref="Labels"/> [N], class names, and any text columns (captions) aligned with the images.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    public ImageDataset(Tensor images, Tensor? labels = null, IReadOnlyList<string>? classNames = null,
        IReadOnlyDictionary<string, IReadOnlyList<string?>>? texts = null, string source = "")
    {
        if (images.dim() != 4) throw new ArgumentException($"images must be [N, C, H, W]; got shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (labels is not null && labels.shape[0] != images.shape[0])
            throw new ArgumentException($"{source}: {images.shape[0]} images but {labels.shape[0]} labels; the image and label files must come from the same split.", nameof(labels));
        Images = images; Labels = labels; Source = source;
        ClassNames = classNames ?? Array.Empty<string>();
        Texts = texts ?? new Dictionary<string, IReadOnlyList<string?>>();
    }

    public Tensor Images { get; }
    public Tensor? Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Text columns by name (e.g. captions of a Hugging Face dataset), one entry per image.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string?>> Texts { get; }
    /// <summary>Where the data came from (a file or folder), for messages.</summary>
    public string Source { get; }
    public int Count => (int)Images.shape[0];
    public int Channels => (int)Images.shape[1];
    public int Height => (int)Images.shape[2];
    public int Width => (int)Images.shape[3];

    /// <summary>The first <paramref name="n"/> items (all when n exceeds Count). Shares memory with this dataset.</summary>
    public ImageDataset Take(int n) => Slice(0, Math.Min(n, Count));

    /// <summary>Items [start, start + length). Shares memory with this dataset.</summary>
    public ImageDataset Slice(int start, int length)
    {
        if (start < 0 || length < 0 || start + length > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice({start}, {length}) is outside 0..{Count}.");
        return new ImageDataset(Images.narrow(0, start, length), Labels?.narrow(0, start, length), ClassNames,
            Texts.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string?>)kv.Value.Skip(start).Take(length).ToArray()), Source);
    }

    public override string ToString() =>
        $"ImageDataset({Count} × {Channels}×{Height}×{Width}{(Labels is null ? "" : $", {Math.Max(ClassNames.Count, 1)} classes")}{(Source == "" ? "" : $", from {Source}")})";

    public void Dispose() { Images.Dispose(); Labels?.Dispose(); }
}
