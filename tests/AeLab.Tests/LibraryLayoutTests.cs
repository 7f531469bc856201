using System.Text.RegularExpressions;

namespace AeLab.Tests;

/// <summary>The library's folders are its concepts; each depends only on folders below it, never in a circle.</summary>
public class LibraryLayoutTests
{
    static readonly string Lib = Path.Combine(Course.Root ?? throw new InvalidOperationException("run the tests inside the course folder"), "lib", "AeLab");

    /// <summary>Top folder → the namespaces its files declare, and the public types declared in each folder.</summary>
    static Dictionary<string, (string Namespace, HashSet<string> Types, List<string> Sources)> Folders()
    {
        var folders = new Dictionary<string, (string, HashSet<string>, List<string>)>();
        foreach (var file in Directory.GetFiles(Lib, "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(Lib, file);
            if (rel.StartsWith("obj") || rel.StartsWith("bin") || !rel.Contains(Path.DirectorySeparatorChar)) continue;
            var top = rel.Split(Path.DirectorySeparatorChar)[0];
            var text = File.ReadAllText(file);
            var code = Regex.Replace(Regex.Replace(text, @"//.*", ""), "\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
            if (!folders.TryGetValue(top, out var f)) folders[top] = f = ("AeLab." + top, new HashSet<string>(), new List<string>());
            foreach (Match m in Regex.Matches(code, @"public\s+(?:sealed\s+|static\s+|abstract\s+|partial\s+)*(?:class|record|interface|enum|struct|delegate\s+\S+)\s+(\w+)"))
                f.Item2.Add(m.Groups[1].Value);
            f.Item3.Add(code);
        }
        return folders;
    }

    [Fact]
    public void Every_file_lives_in_the_namespace_of_its_folder()
    {
        foreach (var file in Directory.GetFiles(Lib, "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(Lib, file);
            if (rel.StartsWith("obj") || rel.StartsWith("bin")) continue;
            var folder = Path.GetDirectoryName(rel)!.Replace(Path.DirectorySeparatorChar, '.');
            var ns = Regex.Match(File.ReadAllText(file), @"^namespace ([\w.]+);", RegexOptions.Multiline).Groups[1].Value;
            Assert.True(ns == "AeLab." + folder, $"{rel} declares namespace {ns}, expected AeLab.{folder}");
        }
    }

    [Fact]
    public void The_folders_depend_on_each_other_without_a_cycle()
    {
        var folders = Folders();
        // Every folder is its own namespace and the root namespace holds no types, so code reaches another folder
        // only through `using AeLab.X;`, a qualified AeLab.X.Type, or X.Type relative to AeLab: an edge A → X.
        var names = string.Join("|", folders.Keys.Select(Regex.Escape));
        var reference = new Regex(@"(?:using\s+(?:static\s+)?AeLab\.(" + names + @")\b|\bAeLab\.(" + names + @")\.|(?<![.\w])(" + names + @")\.[A-Z])");
        var edges = folders.Keys.ToDictionary(k => k, _ => new HashSet<string>());
        foreach (var (a, fa) in folders)
            foreach (var src in fa.Sources)
                foreach (Match m in reference.Matches(src))
                {
                    var b = m.Groups.Cast<Group>().Skip(1).First(g => g.Success).Value;
                    if (b != a) edges[a].Add(b);
                }
        var map = string.Join("; ", edges.OrderBy(e => e.Key).Select(e => $"{e.Key} → {string.Join(", ", e.Value.OrderBy(x => x))}"));
        Console.WriteLine(map);
        // Depth-first search for a cycle.
        var state = new Dictionary<string, int>();
        List<string>? cycle = null;
        bool Visit(string n, List<string> path)
        {
            state[n] = 1; path.Add(n);
            foreach (var m in edges[n])
            {
                if (state.GetValueOrDefault(m) == 1) { cycle = path.SkipWhile(p => p != m).Append(m).ToList(); return true; }
                if (state.GetValueOrDefault(m) == 0 && Visit(m, path)) return true;
            }
            state[n] = 2; path.RemoveAt(path.Count - 1);
            return false;
        }
        foreach (var n in edges.Keys)
            if (state.GetValueOrDefault(n) == 0 && Visit(n, new List<string>())) break;
        Assert.True(cycle is null, $"folder cycle {string.Join(" → ", cycle ?? new())}; dependencies: {map}");
    }
}
