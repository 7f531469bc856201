using System.Net;
using AeLab.Display;

namespace AeLab.Exercises;

/// <summary>How an answer to an exercise stands.</summary>
public enum ExerciseOutcome
{
    /// <summary>The answer is right.</summary>
    Right,

    /// <summary>An answer was given and it is not right (yet).</summary>
    Wrong,

    /// <summary>The placeholder (<see cref="Exercise.Todo{T}"/>, or a function that throws NotImplementedException) is still there.</summary>
    Unanswered,
}

/// <summary>
/// What <see cref="Exercise.Check(string, double, double, double, string?, Hint?)"/> and its overloads say about an
/// answer. A notebook shows it as one line: "✓ 01.1 right: …", "✗ 01.1 not yet: …" or "○ 01.1 not answered yet: …".
/// </summary>
[TypeFormatterSource(typeof(ExerciseFormatterSource))]
public sealed record ExerciseResult(string Id, ExerciseOutcome Outcome, string Message)
{
    /// <summary>True when the answer is right.</summary>
    public bool IsRight => Outcome == ExerciseOutcome.Right;

    /// <summary>The one line a notebook shows.</summary>
    public override string ToString() => Outcome switch
    {
        ExerciseOutcome.Right => $"✓ {Id} right: {Message}",
        ExerciseOutcome.Wrong => $"✗ {Id} not yet: {Message}",
        _ => $"○ {Id} not answered yet: {Message}",
    };
}

/// <summary>Formatters for <see cref="ExerciseResult"/>: a coloured line in HTML, the plain line as text.</summary>
public sealed class ExerciseFormatterSource
{
    /// <summary>Called by the notebook kernel's formatting package.</summary>
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new HtmlFormatter();
        yield return new PlainTextFormatter();
    }

    /// <summary>One line in a box coloured by the outcome (green right, red not yet, grey not answered).</summary>
    public sealed class HtmlFormatter
    {
        /// <summary>MIME type produced.</summary>
        public string MimeType => "text/html";

        /// <summary>Writes the result as HTML; false for anything else.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not ExerciseResult r) return false;
            var (border, background) = r.Outcome switch
            {
                ExerciseOutcome.Right => ("#2e7d32", "#edf7ed"),
                ExerciseOutcome.Wrong => ("#c62828", "#fdecea"),
                _ => ("#757575", "#f5f5f5"),
            };
            writer.Write($"<div class=\"aelab-exercise aelab-exercise-{r.Outcome.ToString().ToLowerInvariant()}\" " +
                         $"style=\"border-left:4px solid {border};background:{background};padding:4px 8px;white-space:pre-wrap\">" +
                         WebUtility.HtmlEncode(r.ToString()) + "</div>");
            return true;
        }
    }

    /// <summary>The plain line (console hosts, logs, the executed notebook's text/plain).</summary>
    public sealed class PlainTextFormatter
    {
        /// <summary>MIME type produced.</summary>
        public string MimeType => "text/plain";

        /// <summary>Writes ToString(); false for anything else.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not ExerciseResult r) return false;
            writer.Write(r.ToString());
            return true;
        }
    }
}

/// <summary>
/// Thrown by a check in strict mode (<c>AELAB_EXERCISES=strict</c>) when the answer is not right, so that a run with
/// the solutions filled in fails at the first exercise that does not pass. Never thrown in a normal run.
/// </summary>
public sealed class ExerciseException(ExerciseResult result)
    : Exception($"exercise {result.Id} did not pass ({Exercise.ModeVariable}=strict): {result}")
{
    /// <summary>The exercise's id, e.g. "01.1".</summary>
    public string Id => Result.Id;

    /// <summary>What the check found.</summary>
    public ExerciseResult Result { get; } = result;
}
