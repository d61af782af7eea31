using System.Text.Json;

namespace MaasImages.Engine.Streams;

/// <summary>
/// The scalar properties of one level of a products document (top, product, version or item),
/// chained to the level above. Lookups walk up the chain, which is exactly simplestreams
/// inheritance (the lower level wins) without copying every key into every item. Values are read
/// from the parsed JSON on demand, so a 20 MB document does not become a million strings.
/// </summary>
internal sealed class PropertyBag
{
    private readonly JsonElement _element;

    public PropertyBag(JsonElement element, PropertyBag? parent)
    {
        _element = element;
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

    public string? GetOwn(string key) => _element.TryGetProperty(key, out var value) ? Scalar(value) : null;

    /// <summary>This level's own JSON object (checks that look up many keys by their UTF-8 bytes).</summary>
    internal JsonElement Element => _element;

    /// <summary>Every key visible from this level, flattened (top → … → this, lower wins), sorted by key.</summary>
    public SortedDictionary<string, string> Flatten()
    {
        var chain = new List<PropertyBag>();
        for (var bag = this; bag is not null; bag = bag.Parent) chain.Add(bag);
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int level = chain.Count - 1; level >= 0; level--) chain[level].CopyOwnTo(flat);
        return flat;
    }

    /// <summary>
    /// The members of this level's object <paramref name="member"/> (e.g. a version's <c>items</c>),
    /// in document order, each as a level chained to this one. Non-object members are skipped.
    /// </summary>
    public IEnumerable<(string Name, PropertyBag Props)> Children(string member)
    {
        if (!_element.TryGetProperty(member, out var children) || children.ValueKind != JsonValueKind.Object) yield break;
        foreach (var child in children.EnumerateObject())
            if (child.Value.ValueKind == JsonValueKind.Object) yield return (child.Name, new PropertyBag(child.Value, this));
    }

    /// <summary>This level's own members with their raw JSON values, in document order.</summary>
    public IEnumerable<(string Name, JsonElement Value)> OwnRaw()
    {
        foreach (var member in _element.EnumerateObject()) yield return (member.Name, member.Value);
    }

    /// <summary>Only this level's own keys.</summary>
    public SortedDictionary<string, string> Own()
    {
        var own = new SortedDictionary<string, string>(StringComparer.Ordinal);
        CopyOwnTo(own);
        return own;
    }

    private void CopyOwnTo(SortedDictionary<string, string> target)
    {
        foreach (var member in _element.EnumerateObject())
        {
            var value = Scalar(member.Value);
            if (value is not null) target[member.Name] = value;
        }
    }

    /// <summary>True for the values <see cref="Scalar"/> turns into strings.</summary>
    internal static bool IsScalar(JsonElement value) => value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

    /// <summary>Scalars as strings (numbers keep their JSON text); objects, arrays and nulls are not properties.</summary>
    internal static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
