namespace MaasImages.Engine.Streams;

/// <summary>
/// The scalar properties of one level of a products document (top, product, version or item),
/// chained to the level above. Lookups walk up the chain, which is exactly simplestreams
/// inheritance (the lower level wins) without copying every key into every item.
/// </summary>
internal sealed class PropertyBag
{
    private readonly string[] _keys;
    private readonly string[] _values;

    public PropertyBag(string[] keys, string[] values, PropertyBag? parent)
    {
        _keys = keys;
        _values = values;
        Parent = parent;
    }

    public PropertyBag? Parent { get; }

    /// <summary>The inherited value of <paramref name="key"/>, or null when no level sets it.</summary>
    public string? Get(string key)
    {
        for (var bag = this; bag is not null; bag = bag.Parent)
        {
            var own = bag.GetOwn(key);
            if (own is not null) return own;
        }
        return null;
    }

    public string? GetOwn(string key)
    {
        var keys = _keys;
        for (int i = 0; i < keys.Length; i++)
        {
            if (string.Equals(keys[i], key, StringComparison.Ordinal)) return _values[i];
        }
        return null;
    }

    /// <summary>Every key visible from this level, flattened (top → … → this, lower wins), sorted by key.</summary>
    public SortedDictionary<string, string> Flatten()
    {
        var chain = new List<PropertyBag>();
        for (var bag = this; bag is not null; bag = bag.Parent) chain.Add(bag);
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int level = chain.Count - 1; level >= 0; level--)
        {
            var bag = chain[level];
            for (int i = 0; i < bag._keys.Length; i++) flat[bag._keys[i]] = bag._values[i];
        }
        return flat;
    }

    /// <summary>Only this level's own keys.</summary>
    public SortedDictionary<string, string> Own()
    {
        var own = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < _keys.Length; i++) own[_keys[i]] = _values[i];
        return own;
    }
}
