namespace AeLab.Data;

/// <summary>
/// A data file (IDX, image, parquet shard, image folder) whose contents cannot be used. The message names the
/// file (and the row or entry) and says how to fix it. An <see cref="IOException"/>, like the other ways reading
/// a file can fail.
/// </summary>
public class DataFormatException(string path, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The file or folder at fault, as given.</summary>
    public string Path { get; } = path;
}

/// <summary>
/// An environment variable or library setting whose value cannot be used (not a URL, a folder that does not
/// exist); the message names it and says what it should hold.
/// </summary>
public class SettingException(string setting, string message) : InvalidOperationException(message)
{
    /// <summary>The environment variable (e.g. AELAB_HF_BASE_URL) or property at fault.</summary>
    public string Setting { get; } = setting;
}
