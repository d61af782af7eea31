using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Manifests;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// The Debian packages inside an image: one object per line of its manifest, from a stream image
/// version (only the manifest item is fetched, verified and cached), a saved boot resource, or a
/// manifest file.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MaasImageManifest", DefaultParameterSetName = ImageSet)]
[OutputType(typeof(MaasImagePackage))]
public sealed class GetMaasImageManifestCommand : AsyncPSCmdlet
{
    private const string ImageSet = "Image";
    private const string ResourceSet = "BootResource";
    private const string LiteralPathSet = "LiteralPath";

    private ManifestInputs? _inputs;
    private WildcardPattern[] _names = [];

    /// <summary>Image versions from Get-MaasImageVersion.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ImageSet)]
    [Alias("InputObject")]
    public MaasImageVersion[]? Image { get; set; }

    /// <summary>Saved images from Get-MaasBootResource (a mirror keeps their manifests; a rack tree does not).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ResourceSet)]
    public MaasBootResource[]? BootResource { get; set; }

    /// <summary>Manifest files, taken literally.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>Only packages whose name matches (wildcards; the name without :arch).</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(PackageNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override IEnumerable<SharedParameterUse> SharedParameterUses => [SharedParameters.CachePath];

    public string? CachePath => Shared.Get<string?>(SharedParameters.CachePath);

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _names = (Name ?? []).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        _inputs = new ManifestInputs(ManifestInputs.ResolveCache(this, CachePath), EmitVerbose, EmitWarning);
        _typos = new UnmatchedValueFinder([("Name", Name ?? [])]);
        return Task.CompletedTask;
    }

    /// <summary>A package name (no wildcard) that no manifest read has: a typo would otherwise list nothing, silently.</summary>
    private UnmatchedValueFinder? _typos;

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_read > 0)
            foreach (var warning in TypoWarnings.For(_typos!.Unmatched(), "package", Engine.Formatting.Counted.Of(_read, "manifest") + " read", listKnown: false))
                EmitWarning(warning);
        return Task.CompletedTask;
    }

    private int _read;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // Paths resolve here, on the pipeline thread, before the first await.
        var paths = (LiteralPath ?? []).Select(p => DestinationPaths.Literal(this, p)).ToList();
        foreach (var image in Image ?? [])
            await EmitPackagesAsync(() => _inputs!.FromImageAsync(image, cancellationToken)).ConfigureAwait(false);
        foreach (var resource in BootResource ?? [])
        {
            // Get-MaasBootResource lists bootloaders too: they have no packages, which is no error.
            if (resource.Type != MaasBootResourceType.Image)
            {
                EmitVerbose($"Skipping {resource}: a bootloader has no package manifest.");
                continue;
            }
            await EmitPackagesAsync(() => Task.FromResult(_inputs!.FromResource(resource))).ConfigureAwait(false);
        }
        foreach (var path in paths)
            await EmitPackagesAsync(() => Task.FromResult(_inputs!.FromFile(path))).ConfigureAwait(false);
    }

    /// <summary>One input's packages; a failure is a non-terminating error and the next input goes on.</summary>
    private async Task EmitPackagesAsync(Func<Task<IReadOnlyList<MaasImagePackage>>> load)
    {
        try
        {
            var packages = await load().ConfigureAwait(false);
            foreach (var package in packages) _typos?.Observe("Name", package.Name);
            _read++;
            Emit(_names.Length == 0 ? packages : packages.Where(p => _names.Any(n => n.IsMatch(p.Name))).ToList(), enumerateCollection: true);
        }
        catch (MaasImagesException error)
        {
            EmitError(ErrorRecords.From(error));
        }
    }
}
