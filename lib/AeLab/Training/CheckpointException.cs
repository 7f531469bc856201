namespace AeLab.Training;

/// <summary>
/// A checkpoint that cannot be loaded (damaged, truncated, another format, non-finite weights, does not fit the
/// model) or saved (folder not writable, disk full). The message names the file and says how to recover.
/// </summary>
public class CheckpointException(string path, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The full path of the checkpoint file.</summary>
    public string Path { get; } = path;

    /// <summary>True when the file is sound but its tensors do not fit the model (another architecture).</summary>
    public bool DoesNotFit { get; init; }
}
