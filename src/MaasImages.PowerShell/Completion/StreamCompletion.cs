using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;

namespace MaasImages.PowerShell.Completion;

/// <summary>
/// Completion values from the stream a Get-MaasImageVersion command line reads: its -Source (or
/// -Stream, or the Get-MaasStream before it in the pipeline; without either, the default stream).
/// A local folder is read (once per index change, signature not needed: the values are only
/// offered); a URL only when this session read the whole stream before (completion never touches
/// the network). The other filters already typed narrow the values (-Os centos -Release offers
/// CentOS releases only).
/// </summary>
internal static class StreamCompletion
{
    /// <summary>One product's filterable values.</summary>
    internal sealed record Product(string Os, string Release, string ReleaseVersion, string Arch, string Subarch, string Kflavor, string Label);

    /// <summary>The products of each stream (by root) listed in full in this session.</summary>
    private static readonly ConcurrentDictionary<string, IReadOnlyList<Product>> Listed = new(StringComparer.Ordinal);

    /// <summary>Local streams read for completion, by root, with the index's time stamp they were read at.</summary>
    private static readonly ConcurrentDictionary<string, (DateTime Stamp, IReadOnlyList<Product> Products)> ReadLocally = new(StringComparer.Ordinal);

    private static readonly TimeSpan LocalReadLimit = TimeSpan.FromSeconds(15);

    private static readonly string[] FilterParameters = ["Os", "Release", "Arch", "Subarch", "Kflavor", "Label"];

    /// <summary>What Get-MaasImageVersion listed with no filter: every product of the stream (replacing what an earlier listing found).</summary>
    public static void RememberWholeStream(MaasStream stream, IEnumerable<MaasImageVersion> versions) =>
        Listed[Key(stream.Uri)] = versions.DistinctBy(v => v.ProductName, StringComparer.Ordinal).Select(ToProduct).ToList();

    /// <summary>Forgets the streams read or listed (for tests of a fresh session).</summary>
    internal static void Forget()
    {
        Listed.Clear();
        ReadLocally.Clear();
    }

    /// <summary>
    /// The values of <paramref name="parameterName"/> in the stream the command line reads, or null
    /// when that stream is not known (then the static list applies).
    /// </summary>
    public static IEnumerable<string>? Values(string commandName, string parameterName, CommandAst? commandAst, IDictionary? fakeBoundParameters)
    {
        if (!string.Equals(commandName, "Get-MaasImageVersion", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var products = Products(SourceOf(commandAst, fakeBoundParameters));
            if (products is null) return null;
            var narrowed = products.Where(p => MatchesTyped(p, parameterName, fakeBoundParameters));
            return narrowed.SelectMany(p => ValuesOf(p, parameterName)).Where(v => v.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }
        catch (Exception e) when (e is MaasImagesException or IOException or UnauthorizedAccessException or OperationCanceledException
                                   or ArgumentException or InvalidOperationException or PSInvalidOperationException)
        {
            return null; // completion never fails the command line: the static list applies
        }
    }

    private static IReadOnlyList<Product>? Products(StreamSource? source)
    {
        if (source is null) return null;
        if (source.IsLocal) return ReadLocal(source);
        return Listed.TryGetValue(Key(source.Root), out var products) ? products : null;
    }

    private static IReadOnlyList<Product>? ReadLocal(StreamSource source)
    {
        var root = source.Root.LocalPath;
        if (!Directory.Exists(root)) return null;
        var stamp = (source.IndexPath is null ? StreamSource.IndexCandidates : [source.IndexPath])
            .Select(p => Path.Combine(root, p.Replace('/', Path.DirectorySeparatorChar)))
            .Where(File.Exists)
            .Select(File.GetLastWriteTimeUtc)
            .DefaultIfEmpty(DateTime.MinValue)
            .Max();
        if (stamp == DateTime.MinValue) return null;
        var key = Key(source.Root) + "|" + source.IndexPath;
        if (ReadLocally.TryGetValue(key, out var known) && known.Stamp == stamp) return known.Products;

        using var limit = new CancellationTokenSource(LocalReadLimit);
        var products = Task.Run(() => ReadAsync(source, limit.Token), limit.Token).GetAwaiter().GetResult();
        ReadLocally[key] = (stamp, products);
        return products;
    }

    private static async Task<IReadOnlyList<Product>> ReadAsync(StreamSource source, CancellationToken cancellationToken)
    {
        // Only offered as text to complete, never trusted: no keyring needed.
        var stream = await StreamClient.OpenAsync(source, new StreamReadOptions { SkipSignatureCheck = true }, cancellationToken).ConfigureAwait(false);
        var products = new List<Product>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images && c.IsSupportedFormat))
        {
            var versions = await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery { MaxVersions = 1 }, cancellationToken).ConfigureAwait(false);
            products.AddRange(versions.Select(ToProduct));
        }
        return products;
    }

    /// <summary>The stream the command line reads: -Source, -Stream, a Get-MaasStream before it, or the default stream.</summary>
    private static StreamSource? SourceOf(CommandAst? commandAst, IDictionary? fakeBoundParameters)
    {
        if (fakeBoundParameters?["Stream"] is { } piped)
            return (piped is PSObject wrapped ? wrapped.BaseObject : piped) is MaasStream stream ? StreamSource.Resolve(null, stream.Uri.ToString()) : null;
        if (fakeBoundParameters?["Source"] is string source && source.Length > 0) return StreamSource.Resolve(null, Absolute(source));
        if (PipedFrom(commandAst) is { } getStream)
        {
            var bound = StaticParameterBinder.BindCommand(getStream, true).BoundParameters;
            var name = bound.TryGetValue("Name", out var n) ? n.ConstantValue as string : null;
            var from = bound.TryGetValue("Source", out var s) ? s.ConstantValue as string : null;
            if ((n is not null && name is null) || (s is not null && from is null)) return null; // not a constant: unknown
            return StreamSource.Resolve(name, from is null ? null : Absolute(from));
        }
        if (commandAst?.Parent is PipelineAst { PipelineElements.Count: > 1 } pipeline && pipeline.PipelineElements[0] != commandAst) return null;
        return StreamSource.Resolve(null, null);
    }

    /// <summary>The Get-MaasStream command right before <paramref name="commandAst"/> in its pipeline, if that is what feeds it.</summary>
    private static CommandAst? PipedFrom(CommandAst? commandAst)
    {
        if (commandAst?.Parent is not PipelineAst pipeline) return null;
        var index = pipeline.PipelineElements.IndexOf(commandAst);
        return index > 0 && pipeline.PipelineElements[index - 1] is CommandAst previous
               && string.Equals(previous.GetCommandName(), "Get-MaasStream", StringComparison.OrdinalIgnoreCase)
            ? previous
            : null;
    }

    /// <summary>A relative folder is relative to the PowerShell location, as the cmdlet resolves it.</summary>
    private static string Absolute(string source)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out _) || Path.IsPathRooted(source)) return source;
        // Completion runs on the pipeline thread: a nested command of this runspace may ask it.
        using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        var location = ps.AddCommand(@"Microsoft.PowerShell.Management\Get-Location").AddParameter("PSProvider", "FileSystem").Invoke<PathInfo>()
            .FirstOrDefault()?.ProviderPath ?? Environment.CurrentDirectory;
        return Path.GetFullPath(Path.Combine(location, source));
    }

    private static bool MatchesTyped(Product product, string completing, IDictionary? fakeBoundParameters)
    {
        if (fakeBoundParameters is null) return true;
        foreach (var other in FilterParameters)
        {
            if (string.Equals(other, completing, StringComparison.OrdinalIgnoreCase)) continue;
            var typed = fakeBoundParameters[other] switch
            {
                string one => [one],
                object[] many => many.OfType<string>().ToArray(),
                _ => Array.Empty<string>(),
            };
            if (typed.Length == 0) continue;
            var values = ValuesOf(product, other).ToList();
            if (!typed.Any(t => values.Any(v => new WildcardPattern(t, WildcardOptions.IgnoreCase).IsMatch(v)))) return false;
        }
        return true;
    }

    private static IEnumerable<string> ValuesOf(Product product, string parameterName) => parameterName.ToUpperInvariant() switch
    {
        "OS" => [product.Os],
        "RELEASE" => [product.Release, product.ReleaseVersion],
        "ARCH" => [product.Arch],
        "SUBARCH" => [product.Subarch],
        "KFLAVOR" => [product.Kflavor],
        "LABEL" => [product.Label],
        _ => [],
    };

    private static Product ToProduct(MaasImageVersion v) => new(v.Os, v.Release, v.ReleaseVersion, v.Arch, v.Subarch, v.Kflavor ?? string.Empty, v.Label);

    private static string Key(Uri root) => root.AbsoluteUri.TrimEnd('/') + "/";
}
