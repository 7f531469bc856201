using System.Collections;
using System.IO.Compression;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Interop;

/// <summary>
/// PyTorch weights in and out. <see cref="Load"/> reads a state_dict that PyTorch wrote — <c>torch.save(model.state_dict(),
/// "x.pth")</c> (the zip format PyTorch uses since 1.6, read with TorchSharp.PyBridge's unpickler) or a .safetensors
/// file — into a course model, through the names of the model's PyTorch counterpart (<see cref="PyTorchNames.Of"/>).
/// <see cref="SaveSafetensors"/> and <see cref="SavePth"/> write a course model's weights under those names, for
/// <c>model.load_state_dict(safetensors.torch.load_file(path))</c> or <c>torch.load(path)</c> in PyTorch.
/// </summary>
/// <remarks>
/// Every tensor is checked before any is copied: a file with a missing, extra or wrongly shaped tensor is refused with
/// a <see cref="PyTorchWeightsException"/> naming the tensor, the file and what the model expected, and the model is
/// left as it was. A file that holds a whole pickled model (<c>torch.save(model, …)</c>) is refused with the line of
/// Python that saves its state_dict instead. Floating tensors load into the model's floating type (a float16 file
/// into a float32 model); the format is recognised from the file's first bytes, not its extension.
/// </remarks>
public static class PyTorchWeights
{
    /// <summary>
    /// Loads the state_dict in <paramref name="path"/> into <paramref name="model"/> (all of its parameters and
    /// buffers, BatchNorm statistics included). <paramref name="names"/>: how the file names the model's tensors
    /// (default: the counterpart's, <see cref="PyTorchNames.Of"/>; a file written with the course's own names is
    /// recognised too). <paramref name="entry"/>: for a training checkpoint that holds the state_dict under a key
    /// (<c>{"model": state_dict, "optimizer": …}</c>), that key.
    /// </summary>
    public static PyTorchLoad Load(nn.Module model, string path, PyTorchNames? names = null, string? entry = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var full = RequireFile(path);
        var (format, tensors) = ReadFile(full, entry);
        try
        {
            var state = model.state_dict();
            names ??= PyTorchNames.Of(model);
            // A file exported with the course's own names (names: Same) loads too.
            if (!names.IsSame && tensors.All(t => state.ContainsKey(t.Name)) && tensors.Any(t => names.ToCourse(t.Name) is null))
                names = PyTorchNames.Same(model);
            Check(model, state, names, tensors, full);
            using (no_grad())
                foreach (var (name, value) in tensors)
                    state[names.ToCourse(name)!].copy_(value);
            return new PyTorchLoad(full, format, tensors.Count, model.GetType().Name, names.Description);
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    /// <summary>
    /// Writes the model's weights (parameters and buffers) as a .safetensors file under its PyTorch counterpart's names
    /// (<paramref name="names"/>, default <see cref="PyTorchNames.Of"/>). In PyTorch:
    /// <c>model.load_state_dict(safetensors.torch.load_file(path))</c>.
    /// </summary>
    public static void SaveSafetensors(nn.Module model, string path, PyTorchNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        names ??= PyTorchNames.Of(model);
        var state = model.state_dict();
        SafetensorsFile.Write(path, names.Pairs.Select(p => (p.PyTorch, state[p.Course])));
    }

    /// <summary>
    /// Writes the model's weights as PyTorch's own format (what <c>torch.save(model.state_dict(), path)</c> writes,
    /// through TorchSharp.PyBridge's pickler) under its counterpart's names. In PyTorch:
    /// <c>model.load_state_dict(torch.load(path))</c>.
    /// </summary>
    public static void SavePth(nn.Module model, string path, PyTorchNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        names ??= PyTorchNames.Of(model);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var scope = NewDisposeScope();
        var state = model.state_dict();
        var dict = new Dictionary<string, Tensor>();
        foreach (var (course, py) in names.Pairs) dict[py] = state[course].detach().cpu().contiguous();
        var temp = full + ".tmp";
        try
        {
            using (var f = File.Create(temp)) PyBridge.Pickle(f, dict);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>The tensors in a PyTorch state_dict file (.pth/.pt/.bin from <c>torch.save</c>, or .safetensors), under the file's names, on the CPU.</summary>
    public static List<(string Name, Tensor Value)> Read(string path, string? entry = null) => ReadFile(RequireFile(path), entry).Tensors;

    static (string Format, List<(string Name, Tensor Value)> Tensors) ReadFile(string full, string? entry)
    {
        var head = new byte[4];
        using (var f = File.OpenRead(full)) _ = f.Read(head, 0, 4);
        if (head[0] == 0x50 && head[1] == 0x4b && head[2] == 0x03 && head[3] == 0x04)
            return ("a PyTorch state_dict (torch.save)", ReadTorchSave(full, entry));
        if (head[0] == 0x80 && head[1] <= 5)
            throw new PyTorchWeightsException(full,
                $"'{full}' was written in PyTorch's legacy format (before PyTorch 1.6, or with _use_new_zipfile_serialization=False), which cannot be read here. " +
                "Re-save it with PyTorch 1.6 or later: torch.save(torch.load(path, map_location='cpu'), 'weights.pth').");
        if (SafetensorsFile.Looks(full))
        {
            if (entry != null) throw new ArgumentException($"'{full}' is a safetensors file, which holds tensors only: load it without entry: \"{entry}\".", nameof(entry));
            return ("a safetensors file", SafetensorsFile.Read(full));
        }
        throw new PyTorchWeightsException(full,
            $"'{full}' is neither a PyTorch state_dict (torch.save writes a zip archive, which starts with 'PK') nor a safetensors file. " +
            "In Python save the weights with torch.save(model.state_dict(), 'weights.pth') or safetensors.torch.save_file(model.state_dict(), 'weights.safetensors').");
    }

    static List<(string, Tensor)> ReadTorchSave(string full, string? entry)
    {
        byte[] pickle;
        try
        {
            using var zip = ZipFile.OpenRead(full);
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal))
                ?? throw new PyTorchWeightsException(full, $"'{full}' is a zip archive without the data.pkl that torch.save writes: it is not a PyTorch file. Save the weights with torch.save(model.state_dict(), 'weights.pth').");
            using var s = pkl.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            pickle = ms.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new PyTorchWeightsException(full, $"'{full}' starts like a torch.save file (a zip archive) but is damaged ({e.Message}): save it again.", e);
        }
        // A whole pickled module names torch.nn's classes (and rebuilds nn.Parameter); a state_dict holds plain tensors.
        var text = Encoding.Latin1.GetString(pickle);
        if (text.Contains("torch.nn.modules", StringComparison.Ordinal) || text.Contains("_rebuild_parameter", StringComparison.Ordinal))
        {
            var cls = WholeModelClass(text);
            throw new PyTorchWeightsException(full,
                $"'{full}' holds a whole pickled model{(cls is null ? "" : $" ({cls})")}, saved with torch.save(model, path), not its state_dict: " +
                "only Python with that class's code can open such a file. In Python, save its weights instead: " +
                $"model = torch.load('{Path.GetFileName(full)}'); torch.save(model.state_dict(), 'weights.pth') — then load weights.pth.");
        }

        Hashtable dict;
        try
        {
            using var stream = File.OpenRead(full);
            dict = PyBridge.Unpickle(stream);
        }
        catch (InvalidCastException e)
        {
            throw new PyTorchWeightsException(full,
                $"'{full}' holds something other than a dictionary of tensors (a single tensor, a list or an object): it is not a state_dict. " +
                "In Python save the model's weights with torch.save(model.state_dict(), 'weights.pth').", e);
        }
        catch (Exception e) when (e is NotImplementedException or InvalidOperationException or InvalidDataException or ArgumentException || e.GetType().FullName == "Razorvine.Pickle.PickleException")
        {
            throw new PyTorchWeightsException(full,
                $"'{full}' is a torch.save file, but it could not be read as a state_dict ({e.Message}). " +
                "In Python save the model's weights with torch.save(model.state_dict(), 'weights.pth') (or as .safetensors) and load that.", e);
        }

        if (entry != null)
        {
            if (!dict.ContainsKey(entry))
                throw new PyTorchWeightsException(full, $"'{full}' has no entry '{entry}'; its keys are {KeyList(dict)}.");
            if (dict[entry] is not Hashtable inner)
                throw new PyTorchWeightsException(full, $"Entry '{entry}' of '{full}' is a {Describe(dict[entry])}, not a state_dict; its keys are {KeyList(dict)}.");
            dict = inner;
        }
        var notTensors = dict.Keys.Cast<object>().Where(k => dict[k] is not Tensor).Select(k => k.ToString()!).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (notTensors.Count > 0)
        {
            var nested = notTensors.Where(k => dict[k] is Hashtable h && h.Count > 0 && h.Values.Cast<object>().All(v => v is Tensor)).ToList();
            foreach (var t in dict.Values.OfType<Tensor>()) t.Dispose();
            throw new PyTorchWeightsException(full,
                $"'{full}' is a dictionary but not a state_dict: {string.Join(", ", notTensors.Take(5).Select(k => $"'{k}' holds a {Describe(dict[k])}"))}" +
                (nested.Count > 0
                    ? $". It looks like a training checkpoint with the weights under '{nested[0]}': load it with entry: \"{nested[0]}\", or in Python save torch.save(checkpoint['{nested[0]}'], 'weights.pth')."
                    : ". In Python save the model's weights with torch.save(model.state_dict(), 'weights.pth')."));
        }
        // A pickled dict comes back unordered: put it in reading order.
        return dict.Keys.Cast<string>().OrderBy(k => k, Comparer<string>.Create(CompareNames)).Select(k => (k, (Tensor)dict[k]!)).ToList();
    }

    static string KeyList(Hashtable dict) => string.Join(", ", dict.Keys.Cast<object>().Select(k => $"'{k}'").Take(10));

    static string Describe(object? value) => value switch
    {
        null => "None",
        Hashtable h => $"dictionary of {h.Count} entries",
        Tensor => "tensor",
        _ => value.GetType().Name,
    };

    /// <summary>The class a whole-model pickle starts from: its first GLOBAL outside torch and collections.</summary>
    static string? WholeModelClass(string pickle)
    {
        // Protocol 2 writes GLOBAL as 'c' module '\n' name '\n'.
        int i = pickle.IndexOf('c');
        for (; i >= 0 && i < pickle.Length - 4; i = pickle.IndexOf('c', i + 1))
        {
            int a = pickle.IndexOf('\n', i + 1), b = a < 0 ? -1 : pickle.IndexOf('\n', a + 1);
            if (b < 0 || a - i > 120 || b - a > 120) continue;
            var module = pickle[(i + 1)..a];
            var name = pickle[(a + 1)..b];
            if (module.Length == 0 || name.Length == 0 || !module.All(c => char.IsLetterOrDigit(c) || c is '_' or '.') || !name.All(c => char.IsLetterOrDigit(c) || c == '_')) continue;
            if (module.StartsWith("torch", StringComparison.Ordinal) || module is "collections" or "builtins" or "copyreg" or "__builtin__") continue;
            return $"{module}.{name}";
        }
        return null;
    }

    static void Check(nn.Module model, Dictionary<string, Tensor> state, PyTorchNames names, List<(string Name, Tensor Value)> tensors, string path)
    {
        var modelName = model.GetType().Name;
        // Extra tensors first (they show a deeper or other architecture most plainly), then missing ones, then shapes.
        var extra = new List<(string Tensor, string Text)>();
        var missing = new List<(string Tensor, string Text)>();
        var misfit = new List<(string Tensor, string Text)>();
        var inFile = new HashSet<string>();
        foreach (var (name, value) in tensors)
        {
            inFile.Add(name);
            var course = names.ToCourse(name);
            if (course is null || !state.TryGetValue(course, out var target))
            {
                extra.Add((name, $"the file has tensor '{name}' {Shapes.Text(value.shape)}, which {modelName} does not have"));
                continue;
            }
            var also = course == name ? "" : $" (its {course})";
            if (!target.shape.SequenceEqual(value.shape))
                misfit.Add((name, $"tensor '{name}' is {Shapes.Text(value.shape)} in the file but {modelName} expects {Shapes.Text(target.shape)}{also}"));
            else if (target.is_floating_point() != value.is_floating_point() || (target.dtype == ScalarType.Bool) != (value.dtype == ScalarType.Bool))
                misfit.Add((name, $"tensor '{name}' is {value.dtype} in the file but {modelName} expects {target.dtype}{also}"));
        }
        foreach (var (course, py) in names.Pairs)
            if (!inFile.Contains(py))
                missing.Add((py, $"the file lacks tensor '{py}' {Shapes.Text(state[course].shape)}{(course == py ? "" : $" ({modelName}'s {course})")}, which {modelName} expects"));
        int extraCount = extra.Count, missingCount = missing.Count;
        extra = ByLayer(extra, tensors.ToDictionary(t => t.Name, t => t.Value.shape), $"the file has tensors {{0}}, which {modelName} does not have");
        missing = ByLayer(missing, names.Pairs.ToDictionary(p => p.PyTorch, p => state[p.Course].shape), $"the file lacks tensors {{0}}, which {modelName} expects");
        var problems = extra.Concat(missing).Concat(misfit).ToList();
        if (problems.Count == 0) return;

        var shown = string.Join("; ", problems.Take(5).Select(p => p.Text));
        var more = problems.Count > 5 ? $"; and {problems.Count - 5} more" : "";
        var counts = extraCount + missingCount + misfit.Count > 1 ? $" ({extraCount} tensors extra, {missingCount} missing, {misfit.Count} of another shape or type)" : "";
        throw new PyTorchWeightsException(path,
            $"'{path}' does not fit {modelName}{counts}: {shown}{more}. The file's names were read as {names.Description}; this {modelName} " +
            $"matches {names.Counterpart}. Build the {modelName} the file was saved from (or pass PyTorchNames for another naming); the model is unchanged.")
        { Tensor = problems[0].Tensor, DoesNotFit = true };
    }

    /// <summary>Several tensors of one layer (encoder.2.0.weight, encoder.2.0.bias) as one problem: 'encoder.2.0.{weight [..], bias [..]}'.</summary>
    static List<(string Tensor, string Text)> ByLayer(List<(string Tensor, string Text)> problems, Dictionary<string, long[]> shapes, string format)
    {
        var result = new List<(string, string)>();
        foreach (var layer in problems.GroupBy(p => p.Tensor.Contains('.') ? p.Tensor[..p.Tensor.LastIndexOf('.')] : ""))
        {
            var list = layer.ToList();
            if (list.Count == 1) { result.Add(list[0]); continue; }
            var parts = list.Select(p => $"{p.Tensor[(layer.Key.Length + 1)..]} {Shapes.Text(shapes[p.Tensor])}");
            result.Add((list[0].Tensor, string.Format(format, $"'{layer.Key}.{{{string.Join(", ", parts)}}}'")));
        }
        return result;
    }

    /// <summary>Tensor names in reading order: segment by segment, numbers by value (encoder.2 before encoder.10).</summary>
    internal static int CompareNames(string a, string b)
    {
        var x = a.Split('.');
        var y = b.Split('.');
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            int c = long.TryParse(x[i], out var m) && long.TryParse(y[i], out var n) ? m.CompareTo(n) : string.CompareOrdinal(x[i], y[i]);
            if (c != 0) return c;
        }
        return x.Length.CompareTo(y.Length);
    }

    static string RequireFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("Give the path of a PyTorch weights file (.pth or .safetensors).", nameof(path));
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException($"PyTorch weights file '{full}' does not exist. In Python: torch.save(model.state_dict(), 'weights.pth').", full);
        return full;
    }
}

/// <summary>What <see cref="PyTorchWeights.Load"/> did: the file, its format, how many tensors it loaded into which model, and how the names were read.</summary>
public sealed record PyTorchLoad(string Path, string Format, int Tensors, string Model, string Names)
{
    public override string ToString() => $"{System.IO.Path.GetFileName(Path)}: {Format}, {Tensors} tensors loaded into {Model}; names read as {Names}";
}
