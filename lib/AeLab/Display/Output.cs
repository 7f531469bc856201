using System.Reflection;

namespace AeLab.Display;

/// <summary>
/// Shows a value in whatever host runs the code: the headless runner (through a hook it sets),
/// the .NET Interactive kernel in VS Code (found by reflection), or a console program.
/// The library does not reference any kernel package; hosts are found at run time.
/// </summary>
public static class Output
{
    /// <summary>AppContext key under which a host registers <c>Func&lt;object, Action&lt;object&gt;&gt;</c>.</summary>
    public const string HostKey = "AeLab.Display.Host";

    /// <summary>Displays <paramref name="value"/> and returns a handle whose Update replaces it in place.</summary>
    public static DisplayHandle Display(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (AppContext.GetData(HostKey) is Func<object, Action<object>> host)
            return new DisplayHandle(host(value));
        if (KernelDisplay(value) is { } displayed)
            return new DisplayHandle(displayed);
        Console.WriteLine(value);
        return new DisplayHandle(v => Console.WriteLine(v));
    }

    // Kernel.display(object, params string[]) returns a DisplayedValue with Update(object).
    static Action<object>? KernelDisplay(object value)
    {
        var kernel = FindKernelType();
        var display = kernel?.GetMethod("display", BindingFlags.Public | BindingFlags.Static,
            [typeof(object), typeof(string[])]);
        if (display is null) return null;
        var displayed = display.Invoke(null, [value, Array.Empty<string>()]);
        var update = displayed?.GetType().GetMethod("Update", [typeof(object)]);
        if (update is null) return _ => { };
        return v => update.Invoke(displayed, [v]);
    }

    static Type? FindKernelType()
    {
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
            if (asm.GetName().Name == "Microsoft.DotNet.Interactive"
                && asm.GetType("Microsoft.DotNet.Interactive.Kernel") is { } t)
                return t;
        return null;
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
