using System.Diagnostics;
using System.Text;
using AeLab.Display;

namespace AeLab.Training;

/// <summary>
/// One progress line for a training run, kept in one place: in a notebook (or the headless runner) a
/// display that updates in place; in a terminal a line rewritten with a carriage return; in redirected
/// console output (logs, CI) one line per epoch.
/// </summary>
internal sealed class Progress
{
    internal enum Mode { Quiet, Display, Terminal, Lines }

    readonly Mode _mode;
    readonly int _totalEpochs;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly int _startEpoch;
    DisplayHandle? _handle;
    int _lastLength;
    long _lastDrawMs = -1000;

    /// <summary>Minimum time between redraws, so a fast loop is not slowed by drawing.</summary>
    public const int RedrawMs = 250;

    readonly TextWriter _out;

    public Progress(bool quiet, int startEpoch, int totalEpochs)
        : this(quiet ? Mode.Quiet : InNotebook() ? Mode.Display : !Console.IsOutputRedirected ? Mode.Terminal : Mode.Lines,
               startEpoch, totalEpochs, Console.Out) { }

    internal Progress(Mode mode, int startEpoch, int totalEpochs, TextWriter output)
    {
        _mode = mode;
        _startEpoch = startEpoch;
        _totalEpochs = totalEpochs;
        _out = output;
    }

    /// <summary>How this run reports (decided once from the host).</summary>
    internal Mode Kind => _mode;

    /// <summary>True when a redraw is due (the caller then reads the running loss, one device sync).</summary>
    public bool Due => _mode is Mode.Display or Mode.Terminal && _clock.ElapsedMilliseconds - _lastDrawMs >= RedrawMs;

    /// <summary>Redraws the line in the middle of an epoch.</summary>
    public void Step(int epoch, int step, int? stepsPerEpoch, double loss)
    {
        if (_mode is not (Mode.Display or Mode.Terminal)) return;
        _lastDrawMs = _clock.ElapsedMilliseconds;
        Draw(Line(epoch, step, stepsPerEpoch, loss, null));
    }

    /// <summary>Reports a finished epoch.</summary>
    public void Epoch(EpochRecord record, int stepsPerEpoch)
    {
        if (_mode == Mode.Quiet) return;
        _lastDrawMs = _clock.ElapsedMilliseconds;
        var line = Line(record.Epoch, stepsPerEpoch, stepsPerEpoch, record.Metrics.GetValueOrDefault("loss", double.NaN), record);
        if (_mode == Mode.Display) { Draw(line); return; }
        if (_mode == Mode.Terminal)
        {
            // Epoch summaries stay on screen, one per line; the live line continues below them.
            _out.Write("\r" + new string(' ', _lastLength) + "\r");
            _lastLength = 0;
        }
        _out.WriteLine(line);
    }

    /// <summary>Ends the line (terminal) and shows a closing message, if any.</summary>
    public void Finish(string? message)
    {
        if (_mode == Mode.Quiet) return;
        if (_mode == Mode.Terminal && _lastLength > 0) _out.Write("\r" + new string(' ', _lastLength) + "\r");
        if (message == null) return;
        if (_mode == Mode.Display) Output.Display(message);
        else _out.WriteLine(message);
    }

    string Line(int epoch, int step, int? stepsPerEpoch, double loss, EpochRecord? done)
    {
        double epochFraction = stepsPerEpoch is > 0 ? Math.Min(1.0, (double)step / stepsPerEpoch.Value) : 0;
        double doneEpochs = epoch - 1 + epochFraction;
        double fraction = _totalEpochs == 0 ? 1 : doneEpochs / _totalEpochs;
        double runDone = doneEpochs - _startEpoch;
        double eta = runDone > 0 ? _clock.Elapsed.TotalSeconds / runDone * (_totalEpochs - doneEpochs) : double.NaN;

        var sb = new StringBuilder();
        sb.Append($"epoch {epoch}/{_totalEpochs} ").Append(Bar(fraction)).Append($" {fraction * 100,3:0}%");
        sb.Append(stepsPerEpoch is > 0 ? $" · step {step}/{stepsPerEpoch}" : $" · step {step}");
        if (done == null) sb.Append(" · loss ").Append(TrainFormat.Number(loss));
        else
            foreach (var (k, v) in done.Metrics)
                sb.Append(" · ").Append(k).Append(' ').Append(TrainFormat.Number(v));
        sb.Append(" · ").Append(TrainFormat.Duration(_clock.Elapsed.TotalSeconds));
        if (fraction < 1) sb.Append(" · ETA ").Append(TrainFormat.Duration(eta));
        return sb.ToString();
    }

    static string Bar(double fraction, int width = 20)
    {
        int full = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        return "[" + new string('#', full) + new string('.', width - full) + "]";
    }

    void Draw(string line)
    {
        if (_mode == Mode.Display)
        {
            if (_handle == null) _handle = Output.Display(line);
            else _handle.Update(line);
            return;
        }
        // One screen row at most (a wrapped line cannot be rewritten with \r), padded to wipe a longer previous one.
        int width = TerminalWidth();
        if (line.Length > width) line = line[..(width - 1)] + "…";
        var padded = line.Length < _lastLength ? line + new string(' ', _lastLength - line.Length) : line;
        _out.Write("\r" + padded);
        _out.Flush();
        _lastLength = line.Length;
    }

    static int TerminalWidth()
    {
        try { return Console.WindowWidth > 20 ? Console.WindowWidth - 1 : 119; }
        catch (IOException) { return 119; }
    }

    /// <summary>A notebook kernel is running this code.</summary>
    static bool InNotebook() => Output.InKernel;
}
