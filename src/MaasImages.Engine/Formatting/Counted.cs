using System.Globalization;

namespace MaasImages.Engine.Formatting;

/// <summary>A count with its noun in the right number for messages: "1 attempt", "3 attempts", never "1 attempts" or "file(s)".</summary>
public static class Counted
{
    /// <summary><paramref name="count"/> (with thousands separators) and the noun; the plural defaults to the singular + "s".</summary>
    public static string Of(long count, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? singular : plural ?? singular + "s")}");
}
