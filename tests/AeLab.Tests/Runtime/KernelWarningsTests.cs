using AeLab.Runtime;

namespace AeLab.Tests.Runtime;

/// <summary>Lab.Init lowers the notebook kernel's warning level (see KernelWarnings); outside a kernel it does nothing.</summary>
public class KernelWarningsTests
{
    [Fact]
    public void Outside_a_notebook_kernel_nothing_is_changed()
    {
        Assert.False(KernelWarnings.Quiet());
        Assert.Equal(1, KernelWarnings.Level);   // CS1701 is a level-2 warning
    }
}
