namespace AeLab.Runner.Execution;

/// <summary>Globals visible to notebook code, matching the kernel's <c>display(...)</c>.</summary>
public sealed class ScriptGlobals
{
    internal Func<object?, DisplayedValue>? Show;

    public DisplayedValue display(object? value) => Show!(value);
}

/// <summary>A displayed output; Update replaces it in place, like the kernel's DisplayedValue.</summary>
public sealed class DisplayedValue
{
    readonly Action<object?> update;
    internal DisplayedValue(Action<object?> update) => this.update = update;
    public void Update(object? value) => update(value);
}
