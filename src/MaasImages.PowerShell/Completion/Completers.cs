using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MaasImages.PowerShell.Completion;

/// <summary>Shared logic: offer the distinct values that start with what was typed.</summary>
public abstract class ValueCompleter : IArgumentCompleter
{
    protected abstract IEnumerable<string> Values { get; }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return Values
            .Where(v => v.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(v => v, StringComparer.OrdinalIgnoreCase)
            .Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, v));
    }
}

public sealed class StreamNameCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Streams;
}

public sealed class ReleaseCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Releases;
}

public sealed class ArchCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Arches;
}

public sealed class SubarchCompleter : ValueCompleter
{
    protected override IEnumerable<string> Values => CompletionCatalog.Subarches;
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
