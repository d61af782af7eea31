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
