using System.Diagnostics.CodeAnalysis;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Manifests;

/// <summary>
/// A Debian package version, <c>[epoch:]upstream_version[-debian_revision]</c>, ordered exactly as
/// Debian Policy §5.6.12 (and <c>dpkg --compare-versions</c>) orders them. Prints as the string it
/// was parsed from; two versions are equal when they compare equal (<c>1.0</c> = <c>0:1.00-0</c>).
/// </summary>
public sealed class DebianVersion : IComparable<DebianVersion>, IComparable, IEquatable<DebianVersion>
{
    /// <summary>Longer strings are refused: no real version comes near it.</summary>
    public const int MaxLength = 256;

    private readonly string _original;
    private int? _hash;

    private DebianVersion(string original, int epoch, string upstream, string revision)
    {
        _original = original;
        Epoch = epoch;
        Upstream = upstream;
        Revision = revision;
    }

    /// <summary>The epoch; 0 when the version has none.</summary>
    public int Epoch { get; }
    /// <summary>The upstream version (between the epoch's colon and the last hyphen).</summary>
    public string Upstream { get; }
    /// <summary>The Debian revision after the last hyphen; empty when there is none.</summary>
    public string Revision { get; }

    /// <summary>Parses a version, or throws <see cref="InvalidDebianVersionException"/> saying what is wrong.</summary>
    public static DebianVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var version, out var problem)
            ? version
            : throw new InvalidDebianVersionException(text, problem);
    }

    /// <summary>Parses a version; false (with the reason) when it breaks Debian Policy's syntax.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out DebianVersion? version, out string problem)
    {
        version = null;
        problem = string.Empty;
        if (string.IsNullOrEmpty(text)) { problem = "it is empty"; return false; }
        if (text.Length > MaxLength) { problem = $"it is longer than {MaxLength} characters"; return false; }

        int epoch = 0;
        var rest = text;
        var colon = text.IndexOf(':');
        if (colon >= 0)
        {
            var epochText = text[..colon];
            if (epochText.Length == 0 || !epochText.All(IsDigit)) { problem = "the epoch (before ':') is not an unsigned number"; return false; }
            if (!int.TryParse(epochText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out epoch))
            {
                problem = "the epoch is too big"; return false;
            }
            rest = text[(colon + 1)..];
            if (rest.Contains(':')) { problem = "it has more than one ':'"; return false; }
        }

        var upstream = rest;
        var revision = string.Empty;
        var hyphen = rest.LastIndexOf('-');
        if (hyphen >= 0)
        {
            upstream = rest[..hyphen];
            revision = rest[(hyphen + 1)..];
            if (revision.Length == 0) { problem = "the revision (after the last '-') is empty"; return false; }
        }
        if (upstream.Length == 0) { problem = "the upstream version is empty"; return false; }
        if (!IsDigit(upstream[0])) { problem = "the upstream version does not start with a digit"; return false; }
        foreach (var c in upstream)
        {
            if (!IsAsciiLetterOrDigit(c) && c is not ('.' or '+' or '~' or '-'))
            {
                problem = $"the upstream version holds '{Printable(c)}' (only letters, digits and . + ~ - are allowed)"; return false;
            }
        }
        foreach (var c in revision)
        {
            if (!IsAsciiLetterOrDigit(c) && c is not ('.' or '+' or '~'))
            {
                problem = $"the revision holds '{Printable(c)}' (only letters, digits and . + ~ are allowed)"; return false;
            }
        }
        version = new DebianVersion(text, epoch, upstream, revision);
        return true;
    }

    /// <summary>Debian order: epoch numerically, then upstream, then revision, each by <see cref="CompareFragment"/>.</summary>
    public int CompareTo(DebianVersion? other)
    {
        if (other is null) return 1;
        if (ReferenceEquals(this, other)) return 0;
        var byEpoch = Epoch.CompareTo(other.Epoch);
        if (byEpoch != 0) return byEpoch;
        var byUpstream = CompareFragment(Upstream, other.Upstream);
        return byUpstream != 0 ? byUpstream : CompareFragment(Revision, other.Revision);
    }

    int IComparable.CompareTo(object? obj) => obj switch
    {
        null => 1,
        DebianVersion version => CompareTo(version),
        string text => CompareTo(Parse(text)),
        _ => throw new ArgumentException($"A DebianVersion compares with a DebianVersion or a version string, not a {obj.GetType().Name}.", nameof(obj)),
    };

    /// <summary>
    /// Policy §5.6.12 on one part: alternately the longest non-digit prefix, compared character by
    /// character ('~' before the end, the end before letters, letters before everything else), then
    /// the longest digit prefix, compared as a number (no overflow: leading zeros dropped, then by
    /// length, then digit by digit). A missing part counts as empty / zero.
    /// </summary>
    public static int CompareFragment(string left, string right)
    {
        int i = 0, j = 0;
        while (i < left.Length || j < right.Length)
        {
            while ((i < left.Length && !IsDigit(left[i])) || (j < right.Length && !IsDigit(right[j])))
            {
                var a = Order(left, i);
                var b = Order(right, j);
                if (a != b) return a < b ? -1 : 1;
                i++;
                j++;
            }
            while (i < left.Length && left[i] == '0') i++;
            while (j < right.Length && right[j] == '0') j++;
            int startLeft = i, startRight = j;
            while (i < left.Length && IsDigit(left[i])) i++;
            while (j < right.Length && IsDigit(right[j])) j++;
            int lengthLeft = i - startLeft, lengthRight = j - startRight;
            if (lengthLeft != lengthRight) return lengthLeft < lengthRight ? -1 : 1;
            var digits = string.CompareOrdinal(left, startLeft, right, startRight, lengthLeft);
            if (digits != 0) return digits < 0 ? -1 : 1;
        }
        return 0;
    }

    /// <summary>Weight of the character at <paramref name="index"/> in a non-digit run (the end weighs 0).</summary>
    private static int Order(string text, int index)
    {
        if (index >= text.Length) return 0;
        var c = text[index];
        if (IsDigit(c)) return 0;
        if (char.IsAsciiLetter(c)) return c;
        if (c == '~') return -1;
        return c + 256;
    }

    public bool Equals(DebianVersion? other) => other is not null && CompareTo(other) == 0;
    public override bool Equals(object? obj) => obj is DebianVersion other && Equals(other);

    /// <summary>Hash of the compared form, so versions that compare equal hash alike.</summary>
    public override int GetHashCode() => _hash ??= HashCode.Combine(Epoch, Canonical(Upstream), Canonical(Revision));

    /// <summary>
    /// The fragment as the comparison sees it: numbers without leading zeros, and no trailing
    /// "nothing then zero" pairs (<c>1.0a</c> = <c>1.0a0</c>, <c>0</c> = empty).
    /// </summary>
    private static string Canonical(string fragment)
    {
        var parts = new List<(string Text, string Number)>();
        int i = 0;
        while (i < fragment.Length)
        {
            int start = i;
            while (i < fragment.Length && !IsDigit(fragment[i])) i++;
            var text = fragment[start..i];
            start = i;
            while (i < fragment.Length && IsDigit(fragment[i])) i++;
            parts.Add((text, fragment[start..i].TrimStart('0')));
        }
        while (parts.Count > 0 && parts[^1] is { Text.Length: 0, Number.Length: 0 }) parts.RemoveAt(parts.Count - 1);
        return string.Join("\u0001", parts.Select(p => p.Text + "\u0002" + p.Number));
    }

    public static bool operator ==(DebianVersion? left, DebianVersion? right) => left is null ? right is null : left.Equals(right);
    public static bool operator !=(DebianVersion? left, DebianVersion? right) => !(left == right);
    public static bool operator <(DebianVersion? left, DebianVersion? right) => Compare(left, right) < 0;
    public static bool operator >(DebianVersion? left, DebianVersion? right) => Compare(left, right) > 0;
    public static bool operator <=(DebianVersion? left, DebianVersion? right) => Compare(left, right) <= 0;
    public static bool operator >=(DebianVersion? left, DebianVersion? right) => Compare(left, right) >= 0;

    private static int Compare(DebianVersion? left, DebianVersion? right) =>
        left is null ? (right is null ? 0 : -1) : left.CompareTo(right);

    /// <summary>The version exactly as written.</summary>
    public override string ToString() => _original;

    private static bool IsDigit(char c) => c is >= '0' and <= '9';
    private static bool IsAsciiLetterOrDigit(char c) => IsDigit(c) || char.IsAsciiLetter(c);
    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"\\u{(int)c:x4}" : c.ToString();
}

/// <summary>A string that is not a Debian version (Policy §5.6.12 syntax).</summary>
public sealed class InvalidDebianVersionException(string text, string problem)
    : MaasImagesException("InvalidDebianVersion", MaasErrorKind.InvalidArgument,
        $"'{Shorten(text)}' is not a Debian version: {problem}.", text)
{
    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
