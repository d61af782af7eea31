using MaasImages.Engine.Streams;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>The warning for a filter value that matches nothing: the value, the closest known values, what is known.</summary>
internal static class TypoWarnings
{
    /// <summary>How many known values a warning lists before it stops.</summary>
    private const int KnownListed = 12;

    /// <param name="what">What the filters select ("image" or "boot resource").</param>
    /// <param name="where">Where they looked ("stream 'stable'", "'/var/lib/maas/boot-resources'").</param>
    /// <param name="listKnown">Whether to list the known values (not for package names: hundreds, the first few tell nothing).</param>
    public static IEnumerable<string> For(IEnumerable<UnmatchedValue> unmatched, string what, string where, bool listKnown = true) =>
        unmatched.Select(u =>
        {
            var hint = u.Closest.Count > 0 ? $": did you mean {string.Join(" or ", u.Closest)}?" : ".";
            var known = !listKnown ? ""
                : u.Known.Count == 0
                ? $" No {what} there has a {u.Criterion.ToLowerInvariant()} value."
                : $" Known values: {string.Join(", ", u.Known.Take(KnownListed))}{(u.Known.Count > KnownListed ? ", …" : "")}.";
            return $"-{u.Criterion} '{u.Value}' matches no {what} of {where}{hint}{known}";
        });
}
