using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Security;

/// <summary>
/// Every path a stream document gives us ends up under a destination folder, so a hostile stream
/// must not be able to climb out of it. Rules from simplestreams.md "Path safety".
/// </summary>
public static class PathSafety
{
    /// <summary>Why <paramref name="path"/> is unsafe, or null when it is a safe relative path.</summary>
    public static string? FindProblem(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "the path is empty";
        if (path.Contains('\\', StringComparison.Ordinal)) return "it contains a backslash";
        if (path.Contains('\0', StringComparison.Ordinal)) return "it contains a NUL character";
        if (path[0] == '/') return "it is absolute";
        if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])) return "it starts with a drive letter";
        if (path.Contains("://", StringComparison.Ordinal)) return "it is a URL, not a relative path";
        var rest = path.AsSpan();
        while (true)
        {
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            if (segment.Length == 0) return "it has an empty segment";
            if (segment.SequenceEqual("..")) return "it has a '..' segment";
            if (segment.SequenceEqual(".")) return "it has a '.' segment";
            if (slash < 0) return null;
            rest = rest[(slash + 1)..];
        }
    }

    /// <summary>Throws <see cref="UnsafePathException"/> naming the document when the path is unsafe.</summary>
    public static void EnsureSafe(string? path, string documentName)
    {
        var problem = FindProblem(path);
        if (problem is not null)
        {
            throw new UnsafePathException(
                $"Refusing unsafe path '{path}' in '{documentName}': {problem}. Stream paths must be relative and must not climb out of the stream root.",
                path);
        }
    }
}
