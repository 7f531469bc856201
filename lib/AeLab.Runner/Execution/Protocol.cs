using System.Text.Json;
using System.Text.Json.Serialization;

namespace AeLab.Runner.Execution;

/// <summary>
/// What the kernel process tells the runner, one JSON object per line on its standard output, each line
/// starting with <see cref="Prefix"/> (anything else there is native output, logged as it is).
/// </summary>
public sealed record Message
{
    public const string Prefix = "\u001eaelab ";

    /// <summary>start, stream, display, update, result, error, end.</summary>
    public required string T { get; init; }
    public int Cell { get; init; }
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? Text { get; init; }
    public Dictionary<string, string>? Data { get; init; }
    public bool Ok { get; init; }

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToLine() => Prefix + JsonSerializer.Serialize(this, Json);

    public static Message? FromLine(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal) ? JsonSerializer.Deserialize<Message>(line.AsSpan(Prefix.Length), Json) : null;
}
