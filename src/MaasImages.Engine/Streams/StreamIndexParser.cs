using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Streams;

/// <summary>Reads an <c>index:1.0</c> document into the content ids it lists.</summary>
internal static partial class StreamIndexParser
{
    public const string IndexFormat = "index:1.0";

    public static (DateTimeOffset? Updated, List<MaasContent> Contents) Parse(MetadataDocument document, StreamSource source)
    {
        document.RequireFormat(IndexFormat);
        var root = document.Json.RootElement;
        if (!root.TryGetProperty("index", out var index) || index.ValueKind != JsonValueKind.Object)
            throw new MalformedDocumentException($"'{document.Name}' has no 'index' object.", document.Name);

        var contents = new List<MaasContent>();
        foreach (var entry in index.EnumerateObject())
        {
            var value = entry.Value;
            if (value.ValueKind != JsonValueKind.Object)
                throw new MalformedDocumentException($"'{document.Name}': index entry '{entry.Name}' is not an object.", document.Name);
            var path = GetString(value, "path");
            if (path is null)
                throw new MalformedDocumentException($"'{document.Name}': index entry '{entry.Name}' has no 'path'.", document.Name);
            PathSafety.EnsureSafe(path, document.Name);

            var products = new List<string>();
            if (value.TryGetProperty("products", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var p in list.EnumerateArray())
                    if (p.ValueKind == JsonValueKind.String) products.Add(p.GetString()!);
            }
            contents.Add(new MaasContent(entry.Name, Classify(entry.Name), GetString(value, "format"), GetString(value, "datatype"),
                path, source.Resolve(path), products, ParseUpdated(GetString(value, "updated")))
            { IndexPosition = contents.Count });
        }
        contents.Sort((a, b) => string.CompareOrdinal(a.ContentId, b.ContentId));
        return (ParseUpdated(GetString(root, "updated")), contents);
    }

    /// <summary>
    /// Kind from the content id's shape (never from <c>datatype</c>, which differs between
    /// images.maas.io and locally built streams).
    /// </summary>
    public static MaasContentKind Classify(string contentId)
    {
        if (contentId.EndsWith("bootloader-download", StringComparison.Ordinal)) return MaasContentKind.Bootloaders;
        if (contentId.EndsWith("maas-notification", StringComparison.Ordinal)) return MaasContentKind.Notifications;
        if (ImageContentPattern().IsMatch(contentId)) return MaasContentKind.Images;
        return MaasContentKind.Unknown;
    }

    /// <summary>
    /// The label shared by every content id (<c>com.ubuntu.maas:stable:v3:download</c> → stable),
    /// used as the stream name when the user gave only a URL or folder.
    /// </summary>
    public static string? CommonLabel(IEnumerable<MaasContent> contents)
    {
        var labels = contents.Select(c => c.ContentId.Split(':'))
            .Where(parts => parts.Length >= 3)
            .Select(parts => parts[1])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return labels.Count == 1 ? labels[0] : null;
    }

    /// <summary>RFC 2822 dates as simplestreams writes them: <c>Thu, 24 Jul 2025 08:01:49 +0000</c>.</summary>
    public static DateTimeOffset? ParseUpdated(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var match = Rfc2822Pattern().Match(text.Trim());
        if (match.Success)
        {
            var zone = match.Groups["z"].Success ? match.Groups["z"].Value.Insert(3, ":") : "+00:00";
            var normalized = $"{match.Groups["d"].Value.PadLeft(2, '0')} {match.Groups["mon"].Value} {match.Groups["y"].Value} {match.Groups["t"].Value} {zone}";
            if (DateTimeOffset.TryParseExact(normalized, "dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                return parsed;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var loose) ? loose : null;
    }

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // ":v3:download" (Ubuntu), "centos-bases-download" (and other "<os>-bases-download").
    [GeneratedRegex(@"(:v\d+:download|-bases-download)$")]
    private static partial Regex ImageContentPattern();

    [GeneratedRegex(@"^(?:[A-Za-z]{3},\s*)?(?<d>\d{1,2})\s+(?<mon>[A-Za-z]{3})\s+(?<y>\d{4})\s+(?<t>\d{2}:\d{2}:\d{2})\s+(?:(?<z>[+-]\d{4})|GMT|UTC|UT|Z)$")]
    private static partial Regex Rfc2822Pattern();
}
