using System.Text.RegularExpressions;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Streams;

/// <summary>
/// Where a stream lives: its root (every document path is relative to it) and, when the user named
/// one, the exact index document. Built from a stream name, a URL (http, https, file) or a folder.
/// </summary>
public sealed partial class StreamSource
{
    /// <summary>Where named streams live when no source is given.</summary>
    public static readonly Uri DefaultBase = new("https://images.maas.io/ephemeral-v3/");

    /// <summary>Index documents tried, in order, under a stream root: signed first, like MAAS.</summary>
    public static readonly IReadOnlyList<string> IndexCandidates = ["streams/v1/index.sjson", "streams/v1/index.json"];

    private StreamSource(Uri root, string? indexPath, string? name)
    {
        Root = root;
        IndexPath = indexPath;
        Name = name;
    }

    /// <summary>The stream root, always ending with '/'.</summary>
    public Uri Root { get; }
    /// <summary>The index path relative to <see cref="Root"/>, or null to probe <see cref="IndexCandidates"/>.</summary>
    public string? IndexPath { get; }
    /// <summary>The stream name the user asked for, when known.</summary>
    public string? Name { get; }

    public bool IsLocal => Root.IsFile;

    /// <summary>
    /// Resolve what the user typed. <paramref name="source"/> alone is a stream root or index;
    /// <paramref name="name"/> alone is a stream under <see cref="DefaultBase"/>; both together is
    /// a stream under a mirror of that base (<c>-Source https://mirror/ephemeral-v3 -Name stable</c>).
    /// </summary>
    public static StreamSource Resolve(string? name, string? source)
    {
        // PowerShell passes $null as "" to string parameters: both mean "no name".
        if (string.IsNullOrEmpty(name)) name = null;
        if (name is not null && !StreamNamePattern().IsMatch(name))
        {
            throw new InvalidArgumentException("InvalidStreamName",
                $"'{name}' is not a stream name (letters, digits, '.', '_' and '-' only), e.g. 'stable' or 'candidate'.", name);
        }

        if (string.IsNullOrWhiteSpace(source))
        {
            return new StreamSource(new Uri(DefaultBase, (name ?? "stable") + "/"), null, name ?? "stable");
        }

        var location = ToUri(source);
        if (name is not null)
        {
            return new StreamSource(new Uri(EnsureTrailingSlash(location), name + "/"), null, name);
        }

        var path = location.AbsolutePath;
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".sjson", StringComparison.OrdinalIgnoreCase))
        {
            // An index document: the stream root is above streams/v1/ when the path has it.
            var marker = path.LastIndexOf("/streams/v1/", StringComparison.Ordinal);
            var rootPath = marker >= 0 ? path[..(marker + 1)] : path[..(path.LastIndexOf('/') + 1)];
            var root = new UriBuilder(location) { Path = rootPath, Query = string.Empty, Fragment = string.Empty }.Uri;
            var indexPath = Uri.UnescapeDataString(path[rootPath.Length..]);
            return new StreamSource(root, indexPath, null);
        }
        if (path.TrimEnd('/').EndsWith("/streams/v1", StringComparison.Ordinal))
        {
            // The folder of the index documents: the stream root is above it, and the index is probed as for a root.
            var rootPath = path[..(path.TrimEnd('/').Length - "streams/v1".Length)];
            return new StreamSource(new UriBuilder(location) { Path = rootPath, Query = string.Empty, Fragment = string.Empty }.Uri, null, null);
        }
        return new StreamSource(EnsureTrailingSlash(location), null, null);
    }

    /// <summary>The absolute URI of a path relative to the root (already checked for safety).</summary>
    public Uri Resolve(string relativePath)
    {
        // Escape each segment: colons and other characters are data, not URI syntax.
        var escaped = string.Join('/', relativePath.Split('/').Select(Uri.EscapeDataString));
        return new Uri(Root, escaped);
    }

    /// <summary>
    /// Refuses <c>host:port</c> typed without a scheme (<c>127.0.0.1:18300</c>, <c>mirror:8080/stable</c>):
    /// it is neither a folder nor a URL, and would otherwise be read as a drive or an unknown scheme.
    /// </summary>
    public static void RejectHostWithoutScheme(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!HostAndPortPattern().IsMatch(source)) return;
        throw new InvalidArgumentException("InvalidSource",
            $"Source '{source}' is a host and port without a scheme: add http:// or https:// (e.g. 'http://{source}'), or give a folder or a file:// URL.", source);
    }

    private static Uri ToUri(string source)
    {
        RejectHostWithoutScheme(source);
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && !Path.IsPathRooted(source))
        {
            if (uri.Scheme is "http" or "https" or "file") return uri;
            throw new InvalidArgumentException("InvalidSource",
                $"Source '{source}' uses the unsupported scheme '{uri.Scheme}': use an http(s):// or file:// URL, or a folder.", source);
        }
        try
        {
            return new Uri(Path.GetFullPath(source));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidArgumentException("InvalidSource", $"Source '{source}' is neither a URL nor a valid path: {e.Message}", source, e);
        }
    }

    private static Uri EnsureTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new UriBuilder(uri) { Path = uri.AbsolutePath + "/" }.Uri;

    public override string ToString() => IndexPath is null ? Root.ToString() : Resolve(IndexPath).ToString();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex StreamNamePattern();

    // A host name of two or more characters (a drive letter is one) or a bracketed IPv6 address, a port, maybe a path.
    [GeneratedRegex(@"^(?:[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}(?:[/?#].*)?$")]
    private static partial Regex HostAndPortPattern();
}
