namespace MaasImages.Engine.Streams;

/// <summary>
/// What the user asked Get-MaasImageVersion for. Typed criteria are PowerShell wildcards matched
/// case-insensitively against the version's flattened properties (several values: any may match);
/// <see cref="Filters"/> are simplestreams filter expressions applied to each item.
/// </summary>
public sealed class ImageQuery
{
    public IReadOnlyList<string> Os { get; init; } = [];
    /// <summary>Matches the codename (<c>release</c>) or the version number (<c>version</c>).</summary>
    public IReadOnlyList<string> Release { get; init; } = [];
    public IReadOnlyList<string> Arch { get; init; } = [];
    public IReadOnlyList<string> Subarch { get; init; } = [];
    public IReadOnlyList<string> Kflavor { get; init; } = [];
    public IReadOnlyList<string> Label { get; init; } = [];
    public IReadOnlyList<string> VersionName { get; init; } = [];
    /// <summary>Keep only the newest N matching versions of each product (null: all).</summary>
    public int? MaxVersions { get; init; }
    public IReadOnlyList<FilterExpression> Filters { get; init; } = [];

    internal CompiledImageQuery Compile() => new(this);
}

internal sealed class CompiledImageQuery
{
    private readonly (string[] Keys, WildcardMatcher[] Patterns)[] _criteria;
    private readonly WildcardMatcher[] _versionNames;
    private readonly IReadOnlyList<FilterExpression> _filters;

    public CompiledImageQuery(ImageQuery query)
    {
        var criteria = new List<(string[], WildcardMatcher[])>();
        void Add(IReadOnlyList<string> patterns, params string[] keys)
        {
            if (patterns.Count > 0) criteria.Add((keys, patterns.Select(p => new WildcardMatcher(p)).ToArray()));
        }
        Add(query.Os, "os");
        Add(query.Release, "release", "version");
        Add(query.Arch, "arch");
        Add(query.Subarch, "subarch");
        Add(query.Kflavor, "kflavor");
        Add(query.Label, "label");
        _criteria = criteria.ToArray();
        _versionNames = query.VersionName.Select(p => new WildcardMatcher(p)).ToArray();
        _filters = query.Filters;
        MaxVersions = query.MaxVersions;
    }

    public int? MaxVersions { get; }

    public bool HasItemFilters => _filters.Count > 0;

    public bool MatchesVersion(string versionName, PropertyBag version)
    {
        if (_versionNames.Length > 0 && !_versionNames.Any(m => m.IsMatch(versionName))) return false;
        foreach (var (keys, patterns) in _criteria)
        {
            bool any = false;
            foreach (var key in keys)
            {
                var value = version.Get(key);
                if (value is not null && patterns.Any(p => p.IsMatch(value))) { any = true; break; }
            }
            if (!any) return false;
        }
        return true;
    }

    public bool MatchesItem(Func<string, string?> itemView)
    {
        foreach (var filter in _filters)
            if (!filter.IsMatch(itemView)) return false;
        return true;
    }
}
