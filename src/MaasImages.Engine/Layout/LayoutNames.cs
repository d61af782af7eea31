using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Layout;

/// <summary>
/// Products-document values that become folder or file names under a destination (rack-layout.md
/// "Tree", maas.meta keys) are checked before anything is planned, fetched or deleted: one hostile
/// value such as <c>../../..</c> must never reach outside the destination. Listings leave such
/// versions out (<see cref="KeepSafe"/>), so what Get-MaasImageVersion shows can be saved.
/// </summary>
public static class LayoutNames
{
    /// <summary>Checked wherever they are set, in either layout (a mirror is read by MAAS, which lays them out).</summary>
    private static readonly string[] NameProperties =
        ["os", "arch", "subarch", "kflavor", "release", "label", MaasMeta.BootloaderTypeKey, "kernel_snap", "gadget_snap"];

    /// <summary>An image in the rack layout: os/arch/subarch/release/label (subarch and kflavor default to generic).</summary>
    internal static readonly string[] RackImageFolders = ["os", "arch", "release", "label"];

    /// <summary>A bootloader in the rack layout: bootloader/&lt;bootloader-type&gt;/&lt;arch&gt;.</summary>
    internal static readonly string[] RackBootloaderFolders = [MaasMeta.BootloaderTypeKey, "arch"];

    /// <summary>
    /// Throws UnsafePath, naming document, product and property, for the first value of
    /// <paramref name="versions"/> that cannot be one folder or file name; <paramref name="required"/>
    /// properties must also be present.
    /// </summary>
    internal static void EnsureSafe(IEnumerable<MaasImageVersion> versions, IReadOnlyCollection<string> required)
    {
        foreach (var version in versions)
        {
            var document = version.DocumentName.Length > 0 ? version.DocumentName : version.ContentId;
            var product = version.ProductName;
            PathSafety.EnsureSafeSegment(product, document, product, "the product name");
            PathSafety.EnsureSafeSegment(version.VersionName, document, product, "version_name");
            CheckNames(version.Properties, document, product, "");
            foreach (var file in version.Files)
            {
                PathSafety.EnsureSafeSegment(file.Name, document, product, $"the item name (version {version.VersionName})");
                PathSafety.EnsureSafeSegment(file.FileType, document, product, $"ftype of item '{file.Name}'");
                // An item may override its version's values; maas.meta is keyed by the item's.
                CheckNames(file.Properties, document, product, $" (item '{file.Name}')");
            }
            foreach (var property in required)
                if (!version.Properties.ContainsKey(property)) PathSafety.EnsureSafeSegment(null, document, product, property);
        }
    }

    /// <summary>
    /// For a listing: the versions every name of which can be laid out, in order. Each other one is
    /// left out and reported through <paramref name="refuse"/> as UnsafePath (naming document,
    /// product and property), once per distinct problem: a product-wide value is one error, not
    /// one per version.
    /// </summary>
    public static IReadOnlyList<MaasImageVersion> KeepSafe(IEnumerable<MaasImageVersion> versions, Action<MaasImagesException> refuse)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(refuse);
        var safe = new List<MaasImageVersion>();
        var told = new HashSet<string>(StringComparer.Ordinal);
        var quick = new QuickNameCheck();
        foreach (var version in versions)
        {
            if (quick.IsSafe(version))
            {
                safe.Add(version);
                continue;
            }
            try
            {
                EnsureSafe([version], []);
                safe.Add(version);
            }
            catch (UnsafePathException error)
            {
                if (told.Add(error.Message)) refuse(error);
            }
        }
        return safe;
    }

    /// <summary>
    /// The accept path of <see cref="EnsureSafe"/> for listings, read from the parsed document: the
    /// same values (each key's inherited value for the version, each item's own values, item name
    /// and ftype) without building Properties or Files, which a listing of 200,000 versions would
    /// otherwise hold per version and per file. A product's and the top level's values are checked
    /// once, not once per version. False means "ask EnsureSafe", which names the first problem.
    /// </summary>
    private sealed class QuickNameCheck
    {
        private static readonly string[] Keys = [.. NameProperties, "subarches"];
        private static readonly byte[][] Utf8Keys = Keys.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
        private static readonly int Subarches = Keys.Length - 1;

        /// <summary>Per product or top level: the keys set there or above, and those whose value there is unsafe.</summary>
        private readonly Dictionary<PropertyBag, (int Defined, int Unsafe)> _levels = new(ReferenceEqualityComparer.Instance);

        public bool IsSafe(MaasImageVersion version)
        {
            if (PathSafety.FindSegmentProblem(version.ProductName) is not null || PathSafety.FindSegmentProblem(version.VersionName) is not null)
                return false;
            var props = version.VersionProps;
            var (own, ownUnsafe) = Own(props.Element);
            var (_, inheritedUnsafe) = props.Parent is { } parent ? Level(parent) : (0, 0);
            if ((ownUnsafe | (inheritedUnsafe & ~own)) != 0) return false;
            foreach (var item in version.Items)
            {
                if (PathSafety.FindSegmentProblem(item.Name) is not null) return false;
                // The ftype is usually the item's name, checked just above: no string for it then.
                if (item.Element.TryGetProperty("ftype"u8, out var ftype) && !(ftype.ValueKind == System.Text.Json.JsonValueKind.String && ftype.ValueEquals(item.Name))
                    && PropertyBag.Scalar(ftype) is { } ftypeText && PathSafety.FindSegmentProblem(ftypeText) is not null)
                    return false;
                if (Own(item.Element).Unsafe != 0) return false;
            }
            return true;
        }

        private (int Defined, int Unsafe) Level(PropertyBag bag)
        {
            if (_levels.TryGetValue(bag, out var known)) return known;
            var (own, ownUnsafe) = Own(bag.Element);
            var (above, aboveUnsafe) = bag.Parent is { } parent ? Level(parent) : (0, 0);
            var level = (own | above, ownUnsafe | (aboveUnsafe & ~own));
            _levels[bag] = level;
            return level;
        }

        /// <summary>Which keys one level sets itself, and which of those values could not be a name.</summary>
        private static (int Defined, int Unsafe) Own(System.Text.Json.JsonElement level)
        {
            int defined = 0, unsafeKeys = 0;
            for (int i = 0; i < Utf8Keys.Length; i++)
            {
                if (!level.TryGetProperty(Utf8Keys[i], out var element) || PropertyBag.Scalar(element) is not { } value) continue;
                defined |= 1 << i;
                var problem = i == Subarches
                    ? value.Split(',').Any(alias => PathSafety.FindSegmentProblem(alias) is not null)
                    : PathSafety.FindSegmentProblem(value) is not null;
                if (problem) unsafeKeys |= 1 << i;
            }
            return (defined, unsafeKeys);
        }
    }

    private static void CheckNames(IReadOnlyDictionary<string, string> properties, string document, string product, string where)
    {
        foreach (var property in NameProperties)
            if (properties.TryGetValue(property, out var value)) PathSafety.EnsureSafeSegment(value, document, product, property + where);
        // Every subarch of the comma list is a maas.meta key MAAS reads as a subarch folder.
        if (properties.TryGetValue("subarches", out var subarches))
            foreach (var alias in subarches.Split(','))
                PathSafety.EnsureSafeSegment(alias, document, product, "an entry of subarches" + where);
    }
}
