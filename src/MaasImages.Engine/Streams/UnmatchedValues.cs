namespace MaasImages.Engine.Streams;

/// <summary>A filter value (no wildcard) that matched nothing known, with the known values closest to it.</summary>
/// <param name="Criterion">What was filtered on (Os, Release, Arch, Subarch, Kflavor, Label).</param>
/// <param name="Value">The value as given.</param>
/// <param name="Closest">Known values a typo would most likely have meant, closest first (may be empty).</param>
/// <param name="Known">Every value known for the criterion, sorted.</param>
public sealed record UnmatchedValue(string Criterion, string Value, IReadOnlyList<string> Closest, IReadOnlyList<string> Known);

/// <summary>
/// Finds typos in filter values: the literal (wildcard-free) values of each criterion are checked
/// against every value observed for it, case-insensitively as the filters match; a value seen
/// nowhere is reported with the closest known values ("jamy": did you mean "jammy"?).
/// </summary>
public sealed class UnmatchedValueFinder
{
    private readonly List<(string Criterion, string[] Values)> _criteria = [];
    private readonly Dictionary<string, HashSet<string>> _known = new(StringComparer.Ordinal);

    /// <param name="criteria">Each criterion with the values given for it; wildcard values are never reported.</param>
    public UnmatchedValueFinder(IEnumerable<(string Criterion, IReadOnlyList<string> Values)> criteria)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        foreach (var (criterion, values) in criteria)
        {
            var literal = values.Where(v => !string.IsNullOrEmpty(v) && v.AsSpan().IndexOfAny("*?[`") < 0).ToArray();
            if (literal.Length == 0) continue;
            _criteria.Add((criterion, literal));
            _known[criterion] = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        }
    }

    private bool _missedSome;

    /// <summary>Some values could not be observed (a document that failed): then nothing is reported, a hint could be wrong.</summary>
    public void MissedDocument() => _missedSome = true;

    /// <summary>True when some value is worth checking (without one, observing costs nothing).</summary>
    public bool IsNeeded => _criteria.Count > 0;

    /// <summary>The criteria with a literal value (only these need observing).</summary>
    public IEnumerable<string> Criteria => _criteria.Select(c => c.Criterion);

    /// <summary>A value that exists for <paramref name="criterion"/> (a product's release, a tree's arch…).</summary>
    public void Observe(string criterion, string? value)
    {
        if (!string.IsNullOrEmpty(value) && _known.TryGetValue(criterion, out var set)) set.Add(value);
    }

    /// <summary>The literal values observed nowhere, in the order given.</summary>
    public IReadOnlyList<UnmatchedValue> Unmatched()
    {
        var result = new List<UnmatchedValue>();
        if (_missedSome) return result;
        foreach (var (criterion, values) in _criteria)
        {
            var known = _known[criterion];
            foreach (var value in values.Where(v => !known.Contains(v)).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var sorted = known.Order(StringComparer.OrdinalIgnoreCase).ToList();
                result.Add(new UnmatchedValue(criterion, value, Closest(value, sorted), sorted));
            }
        }
        return result;
    }

    /// <summary>
    /// The known values nearest to <paramref name="value"/> (all at the smallest distance, at most
    /// three): within a small edit distance (a third of the longer word, at least 1, at most 3; a
    /// swap of two neighbours counts as one edit), or containing the value or contained in it (but
    /// never a single character: "8" is too weak a hint for "centos8").
    /// </summary>
    internal static IReadOnlyList<string> Closest(string value, IEnumerable<string> known)
    {
        var typed = value.ToLowerInvariant();
        var near = known
            .Select(k => (Known: k, Distance: Distance(typed, k.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Clamp(Math.Max(typed.Length, c.Known.Length) / 3, 1, 3) || Contains(typed, c.Known.ToLowerInvariant()))
            .ToList();
        if (near.Count == 0) return [];
        var best = near.Min(c => c.Distance);
        return near.Where(c => c.Distance == best).Select(c => c.Known).Order(StringComparer.OrdinalIgnoreCase).Take(3).ToList();

        static bool Contains(string a, string b) => Math.Min(a.Length, b.Length) >= 2 && (a.Contains(b, StringComparison.Ordinal) || b.Contains(a, StringComparison.Ordinal));
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}

/// <summary>The typed criteria of <see cref="ImageQuery"/> and the values of a version each one matches.</summary>
public static class ImageCriteria
{
    private static readonly (string Criterion, Func<CatalogVersion, IEnumerable<string?>> Has, Func<ImageQuery, IReadOnlyList<string>> Values)[] All =
    [
        ("Os", v => [v.Props.Get("os")], q => q.Os),
        ("Release", v => [v.Props.Get("release"), v.Props.Get("version")], q => q.Release),
        ("Arch", v => [v.Props.Get("arch")], q => q.Arch),
        ("Subarch", v => [v.Props.Get("subarch")], q => q.Subarch),
        ("Kflavor", v => [v.Props.Get("kflavor")], q => q.Kflavor),
        ("Label", v => [v.Props.Get("label")], q => q.Label),
        // A version's name is the key of its entry under "versions", not one of its properties.
        ("VersionName", v => [v.Name], q => q.VersionName),
    ];

    /// <summary>A finder for the literal values of <paramref name="query"/>; feed it every products document read.</summary>
    public static UnmatchedValueFinder Finder(ImageQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new UnmatchedValueFinder(All.Select(c => (c.Criterion, c.Values(query))));
    }

    /// <summary>Every value each version of every product of <paramref name="catalog"/> has for the criteria the finder checks.</summary>
    internal static void Observe(UnmatchedValueFinder finder, ProductCatalog catalog)
    {
        if (!finder.IsNeeded) return;
        var wanted = All.Where(c => finder.Criteria.Contains(c.Criterion, StringComparer.Ordinal)).ToArray();
        foreach (var product in catalog.Products)
            foreach (var version in product.Versions)
                foreach (var (criterion, has, _) in wanted)
                    foreach (var value in has(version))
                        finder.Observe(criterion, value);
    }
}
