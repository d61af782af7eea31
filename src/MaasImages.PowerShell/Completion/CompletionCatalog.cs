using System.Collections.Concurrent;
using MaasImages.Engine.Streams;

namespace MaasImages.PowerShell.Completion;

/// <summary>
/// Values argument completers offer: well-known MAAS values plus whatever the streams read in
/// this session contained. Completion never touches the network.
/// </summary>
internal static class CompletionCatalog
{
    private static readonly ConcurrentDictionary<string, byte> SeenStreams = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, byte> SeenOses = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, byte> SeenKflavors = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, byte> SeenLabels = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, byte> SeenReleases = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, byte> SeenArches = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, byte> SeenSubarches = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, byte> SeenPackages = new(StringComparer.Ordinal);
    /// <summary>Package names kept for completion: a few images' worth, never unbounded.</summary>
    private const int MaxPackages = 20_000;

    public static readonly string[] KnownStreams = ["stable", "candidate"];
    // Only values real streams use (a test checks each against the real upstream samples, which
    // name only these); everything else a stream holds is offered once it was read in the session.
    public static readonly string[] KnownReleases = ["jammy", "noble", "22.04", "24.04", "centos70", "7.0", "8"];
    public static readonly string[] KnownArches = ["amd64", "arm64", "i386", "ppc64el"];
    public static readonly string[] KnownSubarches = ["generic", "ga-22.04", "ga-24.04", "hwe-22.04"];
    public static readonly string[] KnownOses = ["ubuntu", "centos"];
    public static readonly string[] KnownKflavors = ["generic"];
    public static readonly string[] KnownLabels = ["stable"];

    public static IEnumerable<string> Streams => KnownStreams.Concat(SeenStreams.Keys);
    public static IEnumerable<string> Oses => KnownOses.Concat(SeenOses.Keys);
    public static IEnumerable<string> Kflavors => KnownKflavors.Concat(SeenKflavors.Keys);
    public static IEnumerable<string> Labels => KnownLabels.Concat(SeenLabels.Keys);
    public static IEnumerable<string> Releases => KnownReleases.Concat(SeenReleases.Keys);
    public static IEnumerable<string> Arches => KnownArches.Concat(SeenArches.Keys);
    public static IEnumerable<string> Subarches => KnownSubarches.Concat(SeenSubarches.Keys);
    /// <summary>Package names of the manifests read in this session (none are known in advance).</summary>
    public static IEnumerable<string> Packages => SeenPackages.Keys;

    public static void Remember(MaasStream stream)
    {
        SeenStreams.TryAdd(stream.Name, 0);
    }

    public static void Remember(IEnumerable<MaasImageVersion> images)
    {
        // Every version of a product shares these values: remember each product once.
        foreach (var image in images.DistinctBy(i => i.ProductName, StringComparer.Ordinal))
        {
            Add(SeenOses, image.Os);
            Add(SeenKflavors, image.Kflavor);
            Add(SeenLabels, image.Label);
            Add(SeenReleases, image.Release);
            Add(SeenReleases, image.ReleaseVersion);
            Add(SeenArches, image.Arch);
            Add(SeenSubarches, image.Subarch);
        }
    }

    /// <summary>What Get-MaasBootResource found on disk: offered next time too.</summary>
    public static void Remember(IEnumerable<MaasImages.Engine.Inventory.MaasBootResource> resources)
    {
        foreach (var resource in resources.Where(r => r.Type == MaasImages.Engine.Inventory.MaasBootResourceType.Image))
        {
            Add(SeenOses, resource.Os);
            Add(SeenReleases, resource.Release);
            Add(SeenReleases, resource.ReleaseVersion);
            Add(SeenArches, resource.Arch);
            Add(SeenSubarches, resource.Subarch);
        }
    }

    private static void Add(ConcurrentDictionary<string, byte> set, string? value)
    {
        if (!string.IsNullOrEmpty(value)) set.TryAdd(value, 0);
    }

    /// <summary>What Get-MaasImageManifest read: the names are offered for -Name next time.</summary>
    public static void Remember(IEnumerable<MaasImages.Engine.Manifests.MaasImagePackage> packages)
    {
        foreach (var package in packages)
        {
            if (SeenPackages.Count >= MaxPackages) return;
            SeenPackages.TryAdd(package.Name, 0);
        }
    }
}
