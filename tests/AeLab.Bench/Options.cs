namespace AeLab.Bench;

/// <summary>Command-line options of the benchmark (see README.md).</summary>
public sealed class Options
{
    /// <summary>A few steps per case, no PyTorch column unless --python: keeps the benchmark working in CI; figures are not judged.</summary>
    public bool Quick { get; private set; }
    public int Threads { get; private set; } = Environment.ProcessorCount;
    /// <summary>Cases to run (names or prefixes); empty = all.</summary>
    public List<string> Only { get; } = new();
    public string JsonPath { get; private set; } = Path.Combine(Paths.BenchDir, "out", "bench.json");
    /// <summary>Run the PyTorch twins: null = yes in full mode, no in quick mode.</summary>
    public bool? Python { get; private set; }
    public bool Pipeline { get; private set; } = true;
    /// <summary>Measure a training cell in the notebook kernel against a plain program (KernelRatio).</summary>
    public bool Kernel { get; private set; } = true;
    /// <summary>Seconds of timed steps per case (and again for the memory trend).</summary>
    public double Budget { get; private set; } = 10;
    public string Label { get; private set; } = "";
    /// <summary>Only the counting checks (<see cref="AeLab.Bench.SelfTest"/>); quick mode runs them first too.</summary>
    public bool SelfTest { get; private set; }
    /// <summary>Runs per case (TorchSharp and PyTorch alternating); the table shows the median run.</summary>
    public int Repeat { get; private set; } = 1;
    /// <summary>Instead of timing: per-kernel time of each case's step in both stacks (<see cref="KernelProfile"/>).</summary>
    public bool Profile { get; private set; }

    // Child-process modes: one case or one pipeline measurement, result written as JSON to ResultPath.
    public string? Case { get; private set; }
    public string? PipelineCase { get; private set; }
    public string? ProfileCase { get; private set; }
    /// <summary>Child mode: the plain-program side of KernelRatio on this many images.</summary>
    public int? KernelPlainImages { get; private set; }
    public string? ResultPath { get; private set; }

    public int Warmup => Quick ? 1 : 2;
    public int MinSteps => Quick ? 2 : 3;
    public int MaxSteps => Quick ? 3 : 200;   // millisecond steps need hundreds for a stable median
    public int GrowthSteps => Quick ? 0 : 200;
    public int ProfileSteps => Quick ? 2 : 5;
    public double StepBudget => Quick ? 1 : Budget;
    public bool RunPython => Python ?? !Quick;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--quick": o.Quick = true; break;
                case "--threads":
                    o.Threads = int.TryParse(Value(), out var t) && t > 0 ? t : throw new ArgumentException("--threads takes a positive whole number, e.g. --threads 2.");
                    break;
                case "--only": o.Only.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                case "--json": o.JsonPath = Path.GetFullPath(Value()); break;
                case "--python": o.Python = true; break;
                case "--no-python": o.Python = false; break;
                case "--no-pipeline": o.Pipeline = false; break;
                case "--no-kernel": o.Kernel = false; break;
                case "--kernel-plain": o.KernelPlainImages = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--budget":
                    o.Budget = double.TryParse(Value(), System.Globalization.CultureInfo.InvariantCulture, out var b) && b > 0 ? b : throw new ArgumentException("--budget takes seconds > 0, e.g. --budget 10.");
                    break;
                case "--label": o.Label = Value(); break;
                case "--selftest": o.SelfTest = true; break;
                case "--repeat":
                    o.Repeat = int.TryParse(Value(), out var r) && r > 0 ? r : throw new ArgumentException("--repeat takes a positive whole number, e.g. --repeat 3.");
                    break;
                case "--profile": o.Profile = true; break;
                case "--case": o.Case = Value(); break;
                case "--profile-case": o.ProfileCase = Value(); break;
                case "--pipeline-case": o.PipelineCase = Value(); break;
                case "--result": o.ResultPath = Value(); break;
                case "-h" or "--help": throw new HelpRequested();
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Run with --help for the list.");
            }
        }
        return o;
    }

    /// <summary>The options a child process gets (same mode, threads and budget).</summary>
    public IEnumerable<string> ChildArgs()
    {
        if (Quick) yield return "--quick";
        yield return "--threads"; yield return Threads.ToString();
        yield return "--budget"; yield return Budget.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public const string Help = """
        AeLab benchmark: training speed of the course's models against this machine's limits (matrix-product peak, memory bandwidth) and PyTorch.
          bash tests/bench.sh [options]
            --quick            a few steps per case, no PyTorch column (CI); never fails on a figure
            --threads N        libtorch (and PyTorch) threads (default: the core count)
            --only a,b         only these cases (names or prefixes, e.g. conv-vae; "kernel" for the kernel ÷ plain measurement)
            --python           run the PyTorch twins even in --quick mode
            --no-python        skip the PyTorch twins
            --no-pipeline      skip the data-pipeline measurement
            --no-kernel        skip the notebook-kernel ÷ plain-program measurement
            --budget S         seconds of timed steps per case (default 10)
            --repeat N         run each case N times, TorchSharp and PyTorch alternating; report the median run (default 1)
            --json PATH        where to write the results (default tests/AeLab.Bench/out/bench.json)
            --label TEXT       a note stored in the JSON (e.g. "before")
            --profile          instead of timing: each case's step time per native kernel (oneDNN convolutions and
                               reorders, MKL SGEMMs) in TorchSharp and in the PyTorch twin, and the time outside them
            --selftest         only check the FLOP and byte counting (quick mode checks it first too)
        """;
}

public sealed class HelpRequested : Exception { }
