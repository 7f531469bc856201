using System.Text.RegularExpressions;

namespace AeLab.Runner.Report;

/// <summary>
/// Lessons link to each other as "NN-name.dib"; beside the executed pages those files are not there, so the
/// HTML report links to the executed page and the .ipynb to the executed notebook instead. A lesson's link to its
/// solutions, "solutions/NN-name.dib" (beside the lesson), becomes "../solutions/NN-name.dib", the same file seen from
/// the executed pages' folder (notebooks/out).
/// </summary>
public static partial class LinkRewrite
{
    [GeneratedRegex(@"(?<=\]\(|href=""|href=\\"")(?<name>[0-9]{2}-[A-Za-z0-9-]+)\.dib(?=[)#""\\])")]
    private static partial Regex LessonLink();

    [GeneratedRegex(@"(?<=\]\(|href=""|href=\\"")(?=solutions/[0-9]{2}-[A-Za-z0-9-]+\.dib[)#""\\])")]
    private static partial Regex SolutionsLink();

    public static string ToPages(string text) => Solutions(LessonLink().Replace(text, m => m.Groups["name"].Value + ".html"));

    public static string ToNotebooks(string text) => Solutions(LessonLink().Replace(text, m => m.Groups["name"].Value + ".ipynb"));

    static string Solutions(string text) => SolutionsLink().Replace(text, "../");
}
