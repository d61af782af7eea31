using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Manifests;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Completion;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// What the manifest cmdlets accept, turned into packages: a stream image version (its manifest
/// fetched through the engine into the cache), a saved boot resource, a manifest file, or packages
/// already read (Get-MaasImageManifest's output).
/// </summary>
internal sealed class ManifestInputs(string cacheFolder, Action<string> verbose, Action<string> warning)
{
    public string CacheFolder { get; } = cacheFolder;

    /// <summary>-CachePath, or the per-user default, as a file-system path (call on the pipeline thread).</summary>
    public static string ResolveCache(PSCmdlet cmdlet, string? cachePath) =>
        cachePath is null ? ManifestLoader.DefaultCachePath() : cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(cachePath);

    public async Task<IReadOnlyList<MaasImagePackage>> FromImageAsync(MaasImageVersion image, CancellationToken cancellationToken)
    {
        var packages = await ManifestLoader.LoadAsync(image, CacheFolder, new Engine.Transfer.TransferOptions(), new Observer(CacheFolder, verbose, warning), Warn, cancellationToken)
            .ConfigureAwait(false);
        CompletionCatalog.Remember(packages);
        return packages;
    }

    public IReadOnlyList<MaasImagePackage> FromResource(MaasBootResource resource) => Remembered(ManifestLoader.Load(resource, Warn));

    public IReadOnlyList<MaasImagePackage> FromFile(string path) => Remembered(ManifestLoader.Load(path, Warn));

    /// <summary>
    /// One side of a comparison: an image version, a boot resource, a path (string or FileInfo),
    /// or packages. Anything else is <c>InvalidManifestInput</c>.
    /// </summary>
    public async Task<(IReadOnlyList<MaasImagePackage> Packages, string Label)> FromAnyAsync(object[] input, string parameter,
        Func<string, string> resolvePath, CancellationToken cancellationToken)
    {
        var values = input.Select(v => v is PSObject wrapped ? wrapped.BaseObject : v).ToArray();
        if (values.Length > 0 && values.All(v => v is MaasImagePackage))
        {
            var packages = values.Cast<MaasImagePackage>().ToList();
            var labels = packages.Select(p => p.Image.Label).Distinct(StringComparer.Ordinal).ToList();
            return (packages, labels.Count == 1 ? labels[0] : Engine.Formatting.Counted.Of(packages.Count, "package"));
        }
        if (values.Length == 1)
        {
            switch (values[0])
            {
                case MaasImageVersion image:
                    return (await FromImageAsync(image, cancellationToken).ConfigureAwait(false), image.ToString());
                case MaasBootResource resource:
                    return (FromResource(resource), resource.ToString());
                case string path:
                    var full = resolvePath(path);
                    return (FromFile(full), full);
                case FileInfo file:
                    return (FromFile(file.FullName), file.FullName);
            }
        }
        throw new MaasImagesException("InvalidManifestInput", MaasErrorKind.InvalidArgument,
            $"-{parameter} takes one image version (Get-MaasImageVersion), one boot resource (Get-MaasBootResource), one manifest path, " +
            $"or the packages of Get-MaasImageManifest; it got {Describe(values)}.", parameter);
    }

    private static string Describe(object?[] values) => values.Length switch
    {
        0 => "nothing",
        1 => $"a {values[0]?.GetType().Name ?? "null"}",
        _ => $"{Engine.Formatting.Counted.Of(values.Length, "object")} ({string.Join(", ", values.Select(v => v?.GetType().Name ?? "null").Distinct())})",
    };

    private static IReadOnlyList<MaasImagePackage> Remembered(IReadOnlyList<MaasImagePackage> packages)
    {
        CompletionCatalog.Remember(packages);
        return packages;
    }

    private void Warn(ManifestWarning problem) => warning(problem.ToString());

    /// <summary>Fetching one small file: verbose lines and warnings; a progress bar is not worth it.</summary>
    private sealed class Observer(string cache, Action<string> verbose, Action<string> warning) : Engine.Transfer.ITransferObserver
    {
        public void OnProgress(Engine.Transfer.TransferSnapshot snapshot)
        {
        }

        public void OnFileCompleted(Engine.Transfer.FileResult result) =>
            verbose($"{result.Item.Name}: {result.BytesDownloaded} bytes fetched, sha256 verified, kept in {cache}");
        public void OnMessage(string message) => verbose(message);
        public void OnWarning(string message) => warning(message);
    }
}
