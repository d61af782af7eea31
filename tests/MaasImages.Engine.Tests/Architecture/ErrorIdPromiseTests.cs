using System.Text.RegularExpressions;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Architecture;

/// <summary>
/// The README promises a list of stable error ids ("Errors carry stable ids"): every id listed
/// there can be raised, and every id the code can raise is listed. Both sides are read: the ids
/// from the README's paragraph, the raisable ids from the sources of the engine and the cmdlets
/// (an exception class passing its id to MaasImagesException, a call passing one to a class that
/// takes it, or an ErrorRecord the cmdlet layer makes itself). The ids about_MaasImages names are
/// raisable too.
/// </summary>
public sealed partial class ErrorIdPromiseTests
{
    [Fact]
    public void The_README_lists_every_error_id_the_code_can_raise_and_no_other()
    {
        var listed = ReadmeIds();
        var raisable = RaisableIds();
        Assert.True(listed.Count > 30, $"only {listed.Count} ids found in the README's error-id paragraph");
        var unlisted = raisable.Except(listed).Order(StringComparer.Ordinal).ToList();
        var unraisable = listed.Except(raisable).Order(StringComparer.Ordinal).ToList();
        Assert.True(unlisted.Count == 0, "raisable but not in the README's error-id list: " + string.Join(", ", unlisted));
        Assert.True(unraisable.Count == 0, "in the README's error-id list but raised nowhere: " + string.Join(", ", unraisable));
    }

    [Fact]
    public void The_ids_about_MaasImages_names_are_raisable()
    {
        var about = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "en-US", "about_MaasImages.help.md"));
        var raisable = RaisableIds();
        // Ids there are written as bare words: every word that is an id of the README's list must be raisable,
        // and the ones the topic cites as examples must be among them.
        var named = Word().Matches(about).Select(m => m.Value).Where(ReadmeIds().Contains).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("StreamNotFound", named);
        Assert.Contains("SymbolicLinkNotPermitted", named);
        Assert.All(named, id => Assert.Contains(id, raisable));
    }

    [Fact]
    public void Every_class_that_takes_its_id_from_the_caller_is_given_a_literal_id()
    {
        // Otherwise an id could come from a variable, and the list above would not see it.
        var takers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Sources())
            foreach (Match m in IdTakingClass().Matches(File.ReadAllText(file))) takers.Add(m.Groups["name"].Value);
        Assert.Contains("InvalidArgumentException", takers);
        var dynamic = new List<string>();
        foreach (var file in Sources())
        {
            var text = File.ReadAllText(file);
            foreach (Match m in NewCall().Matches(text))
            {
                if (takers.Contains(m.Groups["name"].Value) && !m.Groups["first"].Value.StartsWith('"'))
                    dynamic.Add($"{Path.GetFileName(file)}: {m.Value}");
            }
        }
        Assert.True(dynamic.Count == 0, "error ids not given as literals: " + string.Join("; ", dynamic));
    }

    /// <summary>The ids in backticks of the README paragraph that starts "Errors carry stable ids", up to its last id.</summary>
    private static HashSet<string> ReadmeIds()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var start = readme.IndexOf("Errors carry stable ids", StringComparison.Ordinal);
        Assert.True(start >= 0, "README: the paragraph 'Errors carry stable ids' is gone");
        var end = readme.IndexOf("\n\n", start, StringComparison.Ordinal);
        var paragraph = readme[start..end];
        // The list ends where the paragraph starts explaining SourceUnreachable ("`SourceUnreachable` says why").
        var listEnd = paragraph.IndexOf("`SourceUnreachable` says", StringComparison.Ordinal);
        Assert.True(listEnd > 0, "README: the error-id list is no longer followed by '`SourceUnreachable` says'");
        return Backticked().Matches(paragraph[..listEnd]).Select(m => m.Groups[1].Value)
            .Where(id => id != "$_.FullyQualifiedErrorId").ToHashSet(StringComparer.Ordinal);
    }

    private static HashSet<string> RaisableIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Sources())
            foreach (Match m in LiteralId().Matches(File.ReadAllText(file))) ids.Add(m.Groups["id"].Value);
        return ids;
    }

    private static IEnumerable<string> Sources() =>
        new[] { "MaasImages.Engine", "MaasImages.PowerShell" }
            .SelectMany(project => RepoPaths.SourceFiles(Path.Combine(RepoPaths.Root, "src", project)));

    [GeneratedRegex(@"`([A-Za-z$_.]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"\b[A-Z][A-Za-z]+\b")]
    private static partial Regex Word();

    /// <summary>An id given as a literal: to MaasImagesException (a class declaration or base call), to a class taking the id, or to an ErrorRecord.</summary>
    [GeneratedRegex(@"\b(?:MaasImagesException|base|new\s+\w+Exception|ErrorRecords\.Create)\(\s*""(?<id>[A-Z][A-Za-z]+)""")]
    private static partial Regex LiteralId();

    [GeneratedRegex(@"class\s+(?<name>\w+Exception)\s*\(\s*string\s+errorId\b")]
    private static partial Regex IdTakingClass();

    [GeneratedRegex(@"new\s+(?<name>\w+Exception)\(\s*(?<first>[^,)]*)")]
    private static partial Regex NewCall();
}
