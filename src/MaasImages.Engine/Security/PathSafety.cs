using System.Globalization;
using System.Text;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Security;

/// <summary>
/// Every path a stream document gives us ends up under a destination folder, so a hostile stream
/// must not be able to climb out of it. Rules from simplestreams.md "Path safety".
/// </summary>
public static class PathSafety
{
    /// <summary>Why <paramref name="path"/> is unsafe, or null when it is a safe relative path.</summary>
    public static string? FindProblem(string? path) => FindProblem(path.AsSpan());

    /// <summary>The same for a path held as characters: checking every item of a document needs no string per path.</summary>
    internal static string? FindProblem(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty) return "the path is empty";
        if (path.Contains('\\')) return "it contains a backslash";
        if (path.Contains('\0')) return "it contains a NUL character";
        if (path[0] == '/') return "it is absolute";
        if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])) return "it starts with a drive letter";
        if (path.Contains("://", StringComparison.Ordinal)) return "it is a URL, not a relative path";
        var rest = path;
        while (true)
        {
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            if (segment.Length == 0) return "it has an empty segment";
            if (segment.SequenceEqual("..")) return "it has a '..' segment";
            if (segment.SequenceEqual(".")) return "it has a '.' segment";
            if (FindNameProblem(segment) is { } problem) return $"its segment '{Printable(segment.ToString())}': {problem}";
            if (slash < 0) return null;
            rest = rest[(slash + 1)..];
        }
    }

    /// <summary>
    /// Why <paramref name="value"/> cannot be one folder or file name under a destination, or null
    /// when it can. The same rule on every OS: what Windows would silently alter (a trailing dot or
    /// space) is refused on Linux too, so a tree means the same everywhere.
    /// </summary>
    public static string? FindSegmentProblem(string? value)
    {
        if (value is null) return "it is missing";
        if (value.Length == 0) return "it is empty";
        if (value is "." or "..") return $"it is '{value}'";
        if (value.Contains('/', StringComparison.Ordinal)) return "it contains a slash";
        if (value.Contains('\\', StringComparison.Ordinal)) return "it contains a backslash";
        if (value.Length >= 2 && value[1] == ':' && char.IsAsciiLetter(value[0])) return "it starts with a drive letter";
        return FindNameProblem(value);
    }

    /// <summary>What both rules share: no control character (NUL included), no trailing dot or space.</summary>
    private static string? FindNameProblem(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
            if (char.IsControl(c)) return $"it contains the control character U+{(int)c:X4}";
        if (name[^1] is '.' or ' ') return "it ends with a dot or a space (Windows drops them)";
        return null;
    }

    /// <summary>Throws <see cref="UnsafePathException"/> naming the document when the path is unsafe.</summary>
    public static void EnsureSafe(string? path, string documentName)
    {
        var problem = FindProblem(path);
        if (problem is not null)
        {
            throw new UnsafePathException(
                $"Refusing unsafe path '{Printable(path)}' in '{documentName}': {problem}. Stream paths must be relative and must not climb out of the stream root.",
                path);
        }
    }

    /// <summary>
    /// Throws <see cref="UnsafePathException"/> naming the document, product and property when
    /// <paramref name="value"/> cannot be one folder or file name.
    /// </summary>
    public static void EnsureSafeSegment(string? value, string documentName, string productName, string property)
    {
        var problem = FindSegmentProblem(value);
        if (problem is not null)
        {
            throw new UnsafePathException(
                $"Refusing '{documentName}': {property} '{Printable(value)}' of product '{Printable(productName)}' cannot be a folder or file name: {problem}. Nothing was fetched or changed.",
                value);
        }
    }

    /// <summary>The value with control characters escaped, fit for a message.</summary>
    internal static string Printable(string? value)
    {
        if (value is null) return string.Empty;
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsControl(c)) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else text.Append(c);
        }
        return text.ToString();
    }
}
