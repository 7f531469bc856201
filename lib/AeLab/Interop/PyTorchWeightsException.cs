namespace AeLab.Interop;

/// <summary>
/// A PyTorch weights file (a <c>torch.save</c> state_dict or a .safetensors file) that cannot be read, or whose tensors
/// do not fit the model. The message names the file, the tensor at fault and what was expected, and says what to do.
/// An <see cref="IOException"/>, like the other ways reading a file can fail.
/// </summary>
public class PyTorchWeightsException(string path, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The full path of the file.</summary>
    public string Path { get; } = path;

    /// <summary>The first tensor at fault, by its name in the file (or the model's name when the file lacks it); null when the file as a whole is at fault.</summary>
    public string? Tensor { get; init; }

    /// <summary>True when the file is sound but its tensors do not fit the model (missing, extra or wrongly shaped tensors).</summary>
    public bool DoesNotFit { get; init; }
}
