using AeLab.Display;
using Xunit;

namespace AeLab.Tests.Display;

public class TableTests
{
    [Fact]
    public void Aligns_text_left_and_numbers_right_with_four_significant_digits()
    {
        var text = new Table("model", "val MSE", "codes")
            .Row("VQ + EMA", 0.009213, 128)
            .Row("FSQ", 0.01, 72)
            .Verdict("FSQ uses fewer codes")
            .ToString();
        var lines = text.Split('\n');
        Assert.Equal("model      val MSE  codes", lines[0]);
        Assert.Equal("VQ + EMA  0.009213    128", lines[1]);
        Assert.Equal("FSQ        0.01000     72", lines[2]);
        Assert.Equal("FSQ uses fewer codes", lines[3]);
    }

    [Fact]
    public void A_column_format_applies_to_that_column_only()
    {
        var text = new Table("σ", "share").Format("share", "P1").Row(0.5, 0.25).ToString();
        Assert.EndsWith("0.5000  25.0 %", text);
    }

    [Fact]
    public void A_row_of_the_wrong_width_names_the_columns()
    {
        var e = Assert.Throws<ArgumentException>(() => new Table("a", "b").Row(1.0));
        Assert.Contains("1 values but the table has 2 columns (a, b)", e.Message);
        var f = Assert.Throws<ArgumentException>(() => new Table("a").Format("x", "F2"));
        Assert.Contains("no column \"x\"", f.Message);
    }
}
