using System.Management.Automation;
using MaasImages.Engine.Manifests;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// What changed between two images (or two manifests): one object per package that was added,
/// removed, upgraded or downgraded, in Debian version order.
/// </summary>
[Cmdlet(VerbsData.Compare, "MaasImageManifest")]
[OutputType(typeof(MaasImagePackageChange))]
public sealed class CompareMaasImageManifestCommand : AsyncPSCmdlet
{
    /// <summary>The older side: an image version, a boot resource, a manifest path, or Get-MaasImageManifest's packages.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public object[]? ReferenceObject { get; set; }

    /// <summary>The newer side, of the same kinds.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public object[]? DifferenceObject { get; set; }

    /// <summary>Only packages whose name matches (wildcards).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(PackageNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only these kinds of change (Added, Removed, Upgraded, Downgraded).</summary>
    [Parameter]
    public MaasPackageChangeType[]? Change { get; set; }

    protected override IEnumerable<SharedParameterUse> SharedParameterUses => [SharedParameters.CachePath];

    public string? CachePath => Shared.Get<string?>(SharedParameters.CachePath);

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var inputs = new ManifestInputs(ManifestInputs.ResolveCache(this, CachePath), EmitVerbose, EmitWarning);
        // Paths resolve on the pipeline thread, before the first await.
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in ReferenceObject!.Concat(DifferenceObject!).Select(v => v is PSObject w ? w.BaseObject : v).OfType<string>())
            resolved[path] = DestinationPaths.Literal(this, path);

        var reference = await inputs.FromAnyAsync(ReferenceObject!, nameof(ReferenceObject), p => resolved[p], cancellationToken).ConfigureAwait(false);
        var difference = await inputs.FromAnyAsync(DifferenceObject!, nameof(DifferenceObject), p => resolved[p], cancellationToken).ConfigureAwait(false);
        var names = (Name ?? []).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        var kinds = Change is { Length: > 0 } ? Change.ToHashSet() : null;
        var changes = ManifestComparer.Compare(reference.Packages, difference.Packages, reference.Label, difference.Label)
            .Where(c => names.Length == 0 || names.Any(n => n.IsMatch(c.Name)))
            .Where(c => kinds is null || kinds.Contains(c.Change))
            .ToList();
        Emit(changes, enumerateCollection: true);

        // A package name (no wildcard) that neither side has: a typo would otherwise compare nothing, silently.
        var typos = new UnmatchedValueFinder([("Name", Name ?? [])]);
        foreach (var package in reference.Packages.Concat(difference.Packages)) typos.Observe("Name", package.Name);
        foreach (var warning in TypoWarnings.For(typos.Unmatched(), "package", "either side", listKnown: false)) EmitWarning(warning);
    }
}
