using System.Text;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Manifests;

/// <summary>One line of a manifest: a Debian package and its version.</summary>
/// <param name="Name">The package name, without <c>:arch</c>.</param>
/// <param name="Architecture">The <c>:arch</c> qualifier of the name (amd64, all…), or null when it has none.</param>
/// <param name="Version">The package version.</param>
/// <param name="LineNumber">Where it stands in the manifest (1-based).</param>
public sealed record ManifestEntry(string Name, string? Architecture, DebianVersion Version, int LineNumber);

/// <summary>A line that is not <c>name&lt;TAB&gt;version</c>: skipped, reported with its number.</summary>
public sealed record ManifestWarning(string Source, int LineNumber, string Message)
{
    public override string ToString() => $"{Source}, line {LineNumber}: {Message}";
}

/// <summary>
/// Reads a package manifest (<c>squashfs.manifest</c>): one <c>name[:arch]&lt;TAB&gt;version</c>
/// per line. The bytes may be hostile: a malformed line is a warning and skipped, a line longer
/// than <see cref="MaxLineLength"/> is never held in memory, and a file past
/// <see cref="MaxBytes"/> or <see cref="MaxEntries"/> is refused.
/// </summary>
public static class ManifestReader
{
    /// <summary>Real manifests are 20–100 KB; anything past this is not one.</summary>
    public const long MaxBytes = 16L * 1024 * 1024;
    public const int MaxEntries = 200_000;
    public const int MaxLineLength = 1024;
    /// <summary>Warnings reported one by one; the rest are counted in one last warning.</summary>
    public const int MaxWarnings = 20;

    /// <summary>Reads a manifest file from disk.</summary>
    public static IReadOnlyList<ManifestEntry> ReadFile(string path, Action<ManifestWarning> warn)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ManifestNotFoundException($"There is no manifest file at '{path}'.", path, error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ManifestNotFoundException($"The manifest '{path}' cannot be read: {error.Message}", path, error);
        }
        using (stream)
        {
            return Read(stream, path, warn);
        }
    }

    /// <summary>Reads a manifest; <paramref name="source"/> names it in warnings and errors.</summary>
    public static IReadOnlyList<ManifestEntry> Read(Stream stream, string source, Action<ManifestWarning> warn)
    {
        var entries = new List<ManifestEntry>();
        var seen = new HashSet<(string, string?)>();
        int warnings = 0;
        void Warn(int line, string message)
        {
            warnings++;
            if (warnings <= MaxWarnings) warn(new ManifestWarning(source, line, message));
        }

        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: false).GetDecoder();
        var bytes = new byte[64 * 1024];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        var line = new StringBuilder();
        bool overlong = false;
        int lineNumber = 1;
        long total = 0;

        void EndLine()
        {
            if (overlong) Warn(lineNumber, $"the line is longer than {MaxLineLength} characters; skipped.");
            else ParseLine(line.ToString(), lineNumber, entries, seen, Warn);
            if (entries.Count > MaxEntries)
                throw new ManifestTooLargeException($"'{source}' lists more than {MaxEntries} packages: not a package manifest.", source);
            line.Clear();
            overlong = false;
            lineNumber++;
        }

        int read;
        while ((read = stream.Read(bytes, 0, bytes.Length)) > 0)
        {
            total += read;
            if (total > MaxBytes)
                throw new ManifestTooLargeException($"'{source}' is larger than {MaxBytes / (1024 * 1024)} MiB: not a package manifest.", source);
            var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            for (int i = 0; i < count; i++)
            {
                var c = chars[i];
                if (c == '\n') { EndLine(); continue; }
                if (overlong) continue;
                if (line.Length >= MaxLineLength) { overlong = true; line.Clear(); continue; }
                line.Append(c);
            }
        }
        var tail = decoder.GetChars(bytes, 0, 0, chars, 0, flush: true);
        for (int i = 0; i < tail; i++) if (!overlong && line.Length < MaxLineLength) line.Append(chars[i]);
        if (line.Length > 0 || overlong) EndLine();

        if (warnings > MaxWarnings)
            warn(new ManifestWarning(source, lineNumber - 1, $"{Formatting.Counted.Of(warnings - MaxWarnings, "more malformed line")} skipped."));
        return entries;
    }

    private static void ParseLine(string text, int lineNumber, List<ManifestEntry> entries, HashSet<(string, string?)> seen,
        Action<int, string> warn)
    {
        if (text.EndsWith('\r')) text = text[..^1];
        if (text.Length == 0) return;
        var tab = text.IndexOf('\t');
        if (tab < 0) { warn(lineNumber, $"'{Shorten(text)}' is not 'name<TAB>version'; skipped."); return; }
        var qualified = text[..tab];
        var versionText = text[(tab + 1)..];
        if (versionText.Contains('\t')) { warn(lineNumber, "more than two tab-separated fields; skipped."); return; }

        string name = qualified;
        string? architecture = null;
        var colon = qualified.IndexOf(':');
        if (colon >= 0)
        {
            name = qualified[..colon];
            architecture = qualified[(colon + 1)..];
            if (!IsArchitecture(architecture)) { warn(lineNumber, $"'{Shorten(qualified)}' has no valid architecture after ':'; skipped."); return; }
        }
        if (!IsPackageName(name)) { warn(lineNumber, $"'{Shorten(name)}' is not a Debian package name; skipped."); return; }
        if (!DebianVersion.TryParse(versionText, out var version, out var problem))
        {
            warn(lineNumber, $"the version '{Shorten(versionText)}' of {name} is not a Debian version ({problem}); skipped.");
            return;
        }
        if (!seen.Add((name, architecture)))
        {
            warn(lineNumber, $"{qualified} is listed twice; the first line is kept.");
            return;
        }
        entries.Add(new ManifestEntry(name, architecture, version, lineNumber));
    }

    /// <summary>Policy §5.6.7: lower-case letters, digits, + - . ; at least two, starting alphanumeric.</summary>
    internal static bool IsPackageName(string name) =>
        name.Length is >= 2 and <= 128 && IsLowerOrDigit(name[0]) && name.All(c => IsLowerOrDigit(c) || c is '+' or '-' or '.');

    private static bool IsArchitecture(string architecture) =>
        architecture.Length is >= 1 and <= 32 && architecture.All(c => IsLowerOrDigit(c) || c == '-');

    private static bool IsLowerOrDigit(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    private static string Shorten(string text)
    {
        var printable = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return printable.Length <= 60 ? printable : printable[..60] + "…";
    }
}

/// <summary>A manifest past the size or package limits: refused as a whole.</summary>
public sealed class ManifestTooLargeException(string message, object? target)
    : MaasImagesException("ManifestTooLarge", MaasErrorKind.InvalidData, message, target);

/// <summary>No manifest where one was asked for (no file, no <c>manifest</c> item, none saved).</summary>
public sealed class ManifestNotFoundException(string message, object? target, Exception? inner = null)
    : MaasImagesException("ManifestNotFound", MaasErrorKind.ObjectNotFound, message, target, inner);
