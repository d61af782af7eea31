namespace MaasImages.Engine.Streams;

/// <summary>
/// List-valued simplestreams properties (<c>subarches</c>, <c>arches</c>) are comma-separated
/// strings, sometimes with spaces (<c>"amd64, i386"</c> upstream): split them one way everywhere.
/// </summary>
public static class PropertyLists
{
    public static string[] Split(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
