using System.Collections.ObjectModel;
using System.Globalization;

namespace MaasImages.Engine.Formatting;

/// <summary>
/// A read-only list that prints as its items joined with ", ". Export-Csv, string interpolation and
/// logs write a property's ToString(): a plain array would print as its type name (System.String[]).
/// </summary>
public sealed class ReadableList<T> : ReadOnlyCollection<T>
{
    public ReadableList(IList<T> items) : base(items)
    {
    }

    public override string ToString() => string.Join(", ", this);
}

/// <summary>Read-only string properties that print as <c>key=value</c> pairs joined with ", " (see <see cref="ReadableList{T}"/>).</summary>
public sealed class ReadableDictionary : ReadOnlyDictionary<string, string>
{
    public ReadableDictionary(IDictionary<string, string> items) : base(items)
    {
    }

    public override string ToString() =>
        string.Join(", ", this.Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key}={pair.Value}")));
}

/// <summary>Wraps the collections of output objects so they print readably.</summary>
public static class Readable
{
    public static ReadableList<T> List<T>(IEnumerable<T> items) =>
        new(items as IList<T> ?? items.ToArray());

    public static ReadableDictionary Dictionary(IDictionary<string, string> items) => new(items);
}
