using System.Reflection;

namespace AeLab.Runtime;

/// <summary>
/// Keeps one harmless compiler warning out of the lessons' outputs when they run in a .NET Interactive kernel (the
/// <c>dotnet-interactive</c> tool that VS Code and Jupyter start, or the runner hosting its packages).
/// </summary>
/// <remarks>
/// <para>
/// The kernel compiles each cell against the running .NET's own assemblies (.NET 10), while TorchSharp 0.107 was built
/// against .NET 8. Every cell that binds a TorchSharp member whose overloads mention <c>System.Numerics.Complex</c>
/// (<c>torch.tensor(...)</c> among them) therefore gets <c>warning CS1701: Assuming assembly reference
/// 'System.Runtime.Numerics, Version=8.0.0.0' used by 'TorchSharp' matches identity ... Version=10.0.0.0</c>, which the
/// kernel's Jupyter front end prints to the cell as stderr. The assumption is right (the runtime binds the newer
/// version; an SDK project never shows it because the SDK's default NoWarn holds 1701), and only a TorchSharp build for
/// .NET 10, which does not exist, would remove the cause.
/// </para>
/// <para>
/// It cannot be silenced where it appears: it has no source location, so <c>#pragma warning disable CS1701</c> in a cell
/// does nothing, and the scripting options the kernel compiles with have no per-warning switch. They have a warning
/// level, and CS1701 is a level-2 warning, so this sets the C# kernel's scripts to level 1 (checked against
/// dotnet-interactive 1.0.712001 and the kernel packages 1.0.0-beta.26120.1). The cost: the kernel no longer reports
/// other warnings of levels 2 to 4 either (unreachable code, unused locals and the like, which notebook cells rarely
/// draw); level-1 warnings and every error are still shown. Anything unexpected (another host, another kernel
/// version without the field) leaves the kernel as it is.
/// </para>
/// </remarks>
static class KernelWarnings
{
    /// <summary>The warning level the C# kernel's scripts are set to: CS1701 is level 2.</summary>
    public const int Level = 1;

    /// <summary>
    /// Lowers the running C# kernel's script warning level to <see cref="Level"/>; true when it did (or had), false
    /// outside a kernel or when the kernel does not look as expected. Applies from the next cell on.
    /// </summary>
    public static bool Quiet()
    {
        try
        {
            var asm = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Microsoft.DotNet.Interactive");
            var context = asm?.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext")
                ?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
            var handling = context?.GetType().GetProperty("HandlingKernel")?.GetValue(context);
            if (CSharpKernel(handling) is not { } kernel) return false;
            var field = kernel.GetType().GetField("_scriptOptions", BindingFlags.NonPublic | BindingFlags.Instance);
            var options = field?.GetValue(kernel);
            var level = options?.GetType().GetProperty("WarningLevel")?.GetValue(options) as int?;
            var with = options?.GetType().GetMethod("WithWarningLevel", [typeof(int)]);
            if (field is null || options is null || level is null || with is null) return false;
            if (level > Level) field.SetValue(kernel, with.Invoke(options, [Level]));
            return true;
        }
        catch (Exception e) when (e is TargetInvocationException or MemberAccessException or ArgumentException or InvalidCastException)
        {
            return false;
        }
    }

    const string CSharpKernelType = "Microsoft.DotNet.Interactive.CSharp.CSharpKernel";

    // The kernel handling the cell, or the C# kernel among the root kernel's children.
    static object? CSharpKernel(object? handling)
    {
        if (handling is null) return null;
        if (handling.GetType().FullName == CSharpKernelType) return handling;
        var root = handling.GetType().GetProperty("RootKernel")?.GetValue(handling) ?? handling;
        return root.GetType().GetProperty("ChildKernels")?.GetValue(root) is System.Collections.IEnumerable children
            ? children.Cast<object>().FirstOrDefault(k => k.GetType().FullName == CSharpKernelType)
            : null;
    }
}
