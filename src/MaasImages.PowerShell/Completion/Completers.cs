using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MaasImages.PowerShell.Completion;

/// <summary>
/// Shared logic: offer the distinct values that start with what was typed, quoted when PowerShell
/// would otherwise read them as something else. A filter completer first asks the stream the
/// command line reads (<see cref="StreamCompletion"/>), and falls back to its static list.
/// </summary>
public abstract class ValueCompleter : IArgumentCompleter
{
    protected abstract IEnumerable<string> Values { get; }

    /// <summary>The image property this completer offers from a stream (Os, Release...), or null for a static list only.</summary>
    protected virtual string? StreamParameter => null;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var values = (StreamParameter is { } property ? StreamCompletion.Values(commandName, property, commandAst, fakeBoundParameters) : null) ?? Values;
        return values
            .Where(v => v.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(v => v, StringComparer.OrdinalIgnoreCase)
            .Select(v => new CompletionResult(Quote(v), v, CompletionResultType.ParameterValue, v));
    }

    /// <summary>A value as it can be typed: bare when it is a plain word, else single-quoted (values can come from a stream).</summary>
    internal static string Quote(string value) =>
        value.Length > 0 && value[0] != '-' && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '+')
            ? value
            : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}

public sealed class StreamNameCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Streams;
}

public sealed class OsCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Oses;
    protected override string StreamParameter => "Os";
}

public sealed class ReleaseCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Releases;
    protected override string StreamParameter => "Release";
}

public sealed class ArchCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Arches;
    protected override string StreamParameter => "Arch";
}

public sealed class SubarchCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Subarches;
    protected override string StreamParameter => "Subarch";
}

public sealed class KflavorCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Kflavors;
    protected override string StreamParameter => "Kflavor";
}

public sealed class LabelCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Labels;
    protected override string StreamParameter => "Label";
}

/// <summary>Package names from the manifests read in this session.</summary>
public sealed class PackageNameCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Packages;
}

/// <summary>The snapshot names of the boot-resources folder given with -Path (read from disk, newest first).</summary>
public sealed class SnapshotNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (fakeBoundParameters?["Path"] is not string path || path.Length == 0) return [];
        var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        try
        {
            var root = System.IO.Path.GetFullPath(path);
            return Engine.Inventory.BootSnapshots.List(root)
                .Where(s => s.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(s => new CompletionResult(s.Name, s.Name, CompletionResultType.ParameterValue,
                    $"{s.Name}{(s.IsCurrent ? " (current)" : "")}: {Engine.Formatting.Counted.Of(s.ImageCount, "image")}, {Engine.Formatting.Counted.Of(s.BootloaderCount, "bootloader")}"))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return []; // completion never fails the command line
        }
    }
}
