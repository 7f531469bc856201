using System.Text.RegularExpressions;

namespace AeLab.Runner.Report;

/// <summary>
/// Lessons link to each other as "NN-name.dib"; beside the executed pages those files are not there, so the
/// HTML report links to the executed page and the .ipynb to the executed notebook instead.
/// </summary>
public static partial class LinkRewrite
{
    [GeneratedRegex(@"(?<=\]\(|href=""|href=\\"")(?<name>[0-9]{2}-[A-Za-z0-9-]+)\.dib(?=[)#""\\])")]
    private static partial Regex LessonLink();

    public static string ToPages(string text) => LessonLink().Replace(text, m => m.Groups["name"].Value + ".html");

    public static string ToNotebooks(string text) => LessonLink().Replace(text, m => m.Groups["name"].Value + ".ipynb");
}
