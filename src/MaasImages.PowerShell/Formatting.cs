using MaasImages.Engine.Streams;

namespace MaasImages.PowerShell;

/// <summary>
/// What the format views call. It lives in the cmdlet assembly (default load context) because
/// PowerShell type literals cannot see the engine, which loads in a private context.
/// </summary>
public static class Formatting
{
    /// <summary>Human-readable size in binary units.</summary>
    public static string Size(long bytes) => ByteSize.Format(bytes);

    /// <summary>Both sides of a package change with an arrow between them; a missing side prints as '-'.</summary>
    public static string VersionChange(object? reference, object? difference) =>
        $"{reference?.ToString() ?? "-"} → {difference?.ToString() ?? "-"}";
}
