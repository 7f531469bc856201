using System.Collections;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using static TorchSharp.torch;

namespace AeLab.Interop;

/// <summary>
/// TorchSharp.PyBridge's pickler and unpickler (PyTorch's zip format for state_dicts), loaded into the load context
/// that holds TorchSharp and called through reflection.
/// </summary>
/// <remarks>
/// Why not a plain reference: the package is built against TorchSharp 0.103. A notebook kernel loads a <c>#r</c>
/// library's dependencies with Roslyn's script loader, which resolves that reference by loading TorchSharp.dll a
/// second time (it binds exact versions only); PyBridge's tensors are then of the second copy's type, its pickler
/// fails with "cannot pickle object" and its unpickler returns no tensor the library recognises. Loaded into the
/// context that already holds TorchSharp, its reference binds to that TorchSharp (0.107 satisfies 0.103). In a plain
/// program TorchSharp sits in the default context and so does PyBridge, as it would anyway.
/// </remarks>
static class PyBridge
{
    const string Name = "TorchSharp.PyBridge";
    static readonly Lazy<Assembly> assembly = new(Load);

    /// <summary>PyTorchUnpickler.UnpickleStateDict(stream): the dictionary torch.save wrote, its tensors read.</summary>
    public static Hashtable Unpickle(Stream stream) =>
        (Hashtable)Call("PyTorchUnpickler", "UnpickleStateDict", new[] { typeof(Stream), typeof(bool), typeof(bool) }, stream, false, false)!;

    /// <summary>PyTorchPickler.PickleStateDict(stream, dict): what torch.save(dict) writes.</summary>
    public static void Pickle(Stream stream, IDictionary dict) =>
        Call("PyTorchPickler", "PickleStateDict", new[] { typeof(Stream), typeof(IDictionary), typeof(bool) }, stream, dict, false);

    static object? Call(string type, string method, Type[] signature, params object[] args)
    {
        var m = assembly.Value.GetType($"{Name}.{type}", throwOnError: true)!.GetMethod(method, signature)
            ?? throw new MissingMethodException($"{Name}.{type}.{method} is missing: the library expects TorchSharp.PyBridge 1.4.4.");
        try { return m.Invoke(null, args); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    static Assembly Load()
    {
        var torchSharp = typeof(Tensor).Assembly;
        var context = AssemblyLoadContext.GetLoadContext(torchSharp) ?? AssemblyLoadContext.Default;
        var loaded = context.Assemblies.FirstOrDefault(a => a.GetName().Name == Name);
        if (loaded is not null) return loaded;
        if (context == AssemblyLoadContext.Default)
        {
            try { return context.LoadFromAssemblyName(new AssemblyName(Name)); }
            catch (FileNotFoundException) { }   // not in the application's dependencies: load the file next to the library
        }
        var candidates = new[] { torchSharp.Location, typeof(PyBridge).Assembly.Location }
            .Where(l => !string.IsNullOrEmpty(l)).Select(l => Path.Combine(Path.GetDirectoryName(l)!, Name + ".dll"));
        var path = candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{Name}.dll is not next to TorchSharp.dll or AeLab.dll: rebuild the library (bash lib/setup.sh), which copies it to lib/bin.", Name + ".dll");
        return context.LoadFromAssemblyPath(path);
    }
}
