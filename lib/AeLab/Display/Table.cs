using System.Globalization;
using System.Text;

namespace AeLab.Display;

/// <summary>
/// A compact table for a reading cell: a header, rows of values, an optional one-line verdict under it. Numbers are
/// printed with a per-column format (default: 4 significant digits), columns are aligned, text columns to the left
/// and numbers to the right. A notebook shows it as monospaced text (it is an <see cref="ISummary"/>).
/// <code>
/// new Table("model", "val MSE", "codes used")
///     .Row("VQ + EMA", 0.0092, 128)
///     .Row("FSQ 8·4·4", 0.0100, 72)
///     .Verdict("FSQ uses fewer codes")
/// </code>
/// </summary>
[TypeFormatterSource(typeof(DisplayFormatterSource))]
public sealed class Table : ISummary
{
    readonly string[] _header;
    readonly string?[] _formats;
    readonly List<object?[]> _rows = [];
    string? _verdict;

    /// <summary>A table with these column names.</summary>
    public Table(params string[] columns)
    {
        if (columns is null || columns.Length == 0)
            throw new ArgumentException("Table needs at least one column name, e.g. new Table(\"model\", \"val MSE\").", nameof(columns));
        _header = columns;
        _formats = new string?[columns.Length];
    }

    /// <summary>Number of data rows so far.</summary>
    public int Count => _rows.Count;

    /// <summary>Sets a column's .NET number format (e.g. "F3", "P1", "N0"); columns are named as in the header.</summary>
    public Table Format(string column, string format)
    {
        var i = Array.IndexOf(_header, column);
        if (i < 0)
            throw new ArgumentException($"Table has no column \"{column}\"; its columns are {string.Join(", ", _header.Select(h => $"\"{h}\""))}.", nameof(column));
        _formats[i] = format;
        return this;
    }

    /// <summary>Adds a row: one value per column (numbers, text, or null for an empty cell).</summary>
    public Table Row(params object?[] values)
    {
        if (values is null || values.Length != _header.Length)
            throw new ArgumentException($"Table row has {values?.Length ?? 0} values but the table has {_header.Length} columns ({string.Join(", ", _header)}).", nameof(values));
        _rows.Add(values);
        return this;
    }

    /// <summary>Adds one row per item, built by <paramref name="row"/>.</summary>
    public Table Rows<T>(IEnumerable<T> items, Func<T, object?[]> row)
    {
        foreach (var item in items) Row(row(item));
        return this;
    }

    /// <summary>A one-line reading printed under the table.</summary>
    public Table Verdict(string line)
    {
        _verdict = line;
        return this;
    }

    /// <summary>The aligned table as text.</summary>
    public override string ToString()
    {
        var cells = _rows.Select(r => r.Select((v, i) => Cell(v, _formats[i])).ToArray()).ToList();
        var numeric = Enumerable.Range(0, _header.Length)
            .Select(i => _rows.Count > 0 && _rows.All(r => r[i] is null || IsNumber(r[i]!))).ToArray();
        var width = Enumerable.Range(0, _header.Length)
            .Select(i => cells.Select(c => c[i].Length).Append(_header[i].Length).Max()).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> values)
        {
            var parts = values.Select((v, i) => numeric[i] ? v.PadLeft(width[i]) : v.PadRight(width[i]));
            sb.AppendLine(string.Join("  ", parts).TrimEnd());
        }
        Line(_header);
        foreach (var c in cells) Line(c);
        if (_verdict is not null) sb.AppendLine(_verdict);
        return sb.ToString().TrimEnd('\n', '\r');
    }

    static bool IsNumber(object v) => v is double or float or int or long or decimal or short or byte;

    static string Cell(object? v, string? format) => v switch
    {
        null => "",
        double d when double.IsNaN(d) => "–",
        double d => d.ToString(format ?? Significant(d), CultureInfo.InvariantCulture),
        float f => ((double)f).ToString(format ?? Significant(f), CultureInfo.InvariantCulture),
        IFormattable n when format is not null => n.ToString(format, CultureInfo.InvariantCulture),
        IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    // Four significant digits, never scientific notation for the magnitudes a lesson prints.
    static string Significant(double d)
    {
        if (d == 0 || double.IsInfinity(d)) return "G";
        var digits = 3 - (int)Math.Floor(Math.Log10(Math.Abs(d)));
        return digits <= 0 ? "F0" : digits > 8 ? "G4" : "F" + digits;
    }
}
