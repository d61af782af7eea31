using System.Management.Automation;
using MaasImages.Engine.Streams;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>A -Source value as the engine reads it: URLs as given, folders resolved against the PowerShell location.</summary>
internal static class SourceArguments
{
    /// <summary>
    /// Call on the pipeline thread (SessionState). A host:port with no scheme is refused
    /// (InvalidSource) before PowerShell reads '127.0.0.1:' as a drive.
    /// </summary>
    public static string? Resolve(PSCmdlet cmdlet, string? source)
    {
        if (string.IsNullOrWhiteSpace(source)) return null;
        StreamSource.RejectHostWithoutScheme(source);
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file" && !Path.IsPathRooted(source))
            return source;
        return cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(source);
    }
}
