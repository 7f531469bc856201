using System.Reflection;

namespace AeLab.Display;

/// <summary>
/// Shows a value in whatever host runs the code: the .NET Interactive kernel (VS Code's Polyglot Notebooks and the
/// headless runner, found by reflection) or a console program. The library references no kernel package.
/// </summary>
/// <remarks>
/// In the kernel this displays through the running cell's <c>KernelInvocationContext</c>, not the kernel's
/// <c>display(...)</c> global: that global publishes one display id and returns a value holding another (the
/// Formatting package has done so since dotnet/interactive#3970), so its <c>Update</c> adds a second output in
/// VS Code and freezes the first. The context's Display keeps one id, so updates replace the output in place.
/// </remarks>
public static class Output
{
    /// <summary>Displays <paramref name="value"/> and returns a handle whose Update replaces it in place.</summary>
    public static DisplayHandle Display(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (KernelDisplay(value) is { } displayed)
            return new DisplayHandle(displayed);
        Console.WriteLine(value);
        return new DisplayHandle(v => Console.WriteLine(v));
    }

    /// <summary>True when a notebook kernel is running the current code (false in a console program or a test).</summary>
    public static bool InKernel => KernelContext() is not null;

    // KernelInvocationContext.Current.Display(value) returns a DisplayedValue with Update(object).
    static Action<object>? KernelDisplay(object value)
    {
        if (KernelContext() is not { } context) return null;
        var displayed = _api!.Display.Invoke(null, [context, value, Array.Empty<string>()]);
        var update = displayed?.GetType().GetMethod("Update", [typeof(object)]);
        if (update is null) return _ => { };
        return v => update.Invoke(displayed, [v]);
    }

    static object? KernelContext() => (_api ??= FindKernel())?.Current.GetValue(null);

    sealed record KernelApi(PropertyInfo Current, MethodInfo Display);

    // Searched for on each use until the kernel assembly is loaded, then kept.
    static KernelApi? _api;

    static KernelApi? FindKernel()
    {
        var asm = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Microsoft.DotNet.Interactive");
        var context = asm?.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext");
        var current = context?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static);
        var display = context is null ? null : asm!.GetType("Microsoft.DotNet.Interactive.KernelInvocationContextExtensions")
            ?.GetMethod("Display", BindingFlags.Public | BindingFlags.Static, [context, typeof(object), typeof(string[])]);
        return current is null || display is null ? null : new KernelApi(current, display);
    }
}

/// <summary>A displayed value that can be replaced in place (progress bars, live plots).</summary>
public sealed class DisplayHandle
{
    readonly Action<object> _update;

    internal DisplayHandle(Action<object> update) => _update = update;

    /// <summary>Replaces the displayed value.</summary>
    public void Update(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _update(value);
    }
}
