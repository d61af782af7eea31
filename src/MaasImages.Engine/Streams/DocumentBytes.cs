using System.Text.Json;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Streams;

/// <summary>
/// A metadata document exactly as it was read and checked (and its detached signature, when that
/// was the form checked). A mirror writes these bytes — never a second, unverified fetch — and
/// rollback protection compares <see cref="Updated"/>.
/// </summary>
internal sealed record DocumentBytes(string Path, byte[] Raw, byte[]? DetachedSignature, string? ContentId, string? UpdatedText)
{
    public DateTimeOffset? Updated => StreamIndexParser.ParseUpdated(UpdatedText);

    public static DocumentBytes Of(CheckedDocument read) =>
        new(read.Document.Name, read.Document.Raw, read.DetachedSignature, read.Document.TopString("content_id"), read.Document.TopString("updated"));
}

/// <summary>
/// Reads metadata copies already on a destination, unverified, only to compare them with what is
/// about to replace them (rollback, another stream). Anything unreadable gives null: it is then
/// neither trusted nor held against the new copy.
/// </summary>
internal static class LocalDocument
{
    /// <summary>The top-level <c>updated</c> of a saved document (.json or .sjson), or null.</summary>
    public static DateTimeOffset? Updated(string path) =>
        Root(path) is { } root && root.TryGetProperty("updated", out var u) && u.ValueKind == JsonValueKind.String
            ? StreamIndexParser.ParseUpdated(u.GetString())
            : null;

    /// <summary>The content ids a saved index lists, or null.</summary>
    public static IReadOnlyList<string>? IndexContentIds(string path) =>
        Root(path) is { } root && root.TryGetProperty("index", out var index) && index.ValueKind == JsonValueKind.Object
            ? index.EnumerateObject().Select(e => e.Name).ToList()
            : null;

    private static JsonElement? Root(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var raw = File.ReadAllBytes(path);
            using var document = ClearSignedMessage.LooksSigned(raw)
                ? JsonDocument.Parse(ClearSignedMessage.Parse(raw, path).JsonBody())
                : JsonDocument.Parse(raw);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or MaasImagesException)
        {
            return null;
        }
    }
}
