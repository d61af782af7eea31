using System.Management.Automation;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>Destination folders from -Path (wildcards, must match one) or -LiteralPath, as file-system paths.</summary>
internal static class DestinationPaths
{
    /// <summary>A path taken literally (no wildcards), made absolute against the PowerShell location. Call on the pipeline thread.</summary>
    public static string Literal(PSCmdlet cmdlet, string path) => cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Call on the pipeline thread (SessionState).</summary>
    public static string Resolve(PSCmdlet cmdlet, string? path, string? literalPath)
    {
        if (literalPath is not null) return Literal(cmdlet, literalPath);
        if (WildcardPattern.ContainsWildcardCharacters(path))
        {
            var resolved = cmdlet.GetResolvedProviderPathFromPSPath(path, out _);
            if (resolved.Count != 1)
            {
                cmdlet.ThrowTerminatingError(ErrorRecords.Create("AmbiguousPath", ErrorCategory.InvalidArgument,
                    $"'{path}' matches {resolved.Count} folders; the destination must be exactly one.", path));
            }
            return resolved[0];
        }
        // No wildcard left: escaped characters (`[ `]) mean themselves, not backticks in a folder name.
        return cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(WildcardPattern.Unescape(path!));
    }
}
