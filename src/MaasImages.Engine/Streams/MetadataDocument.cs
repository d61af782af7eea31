using System.Text;
using System.Text.Json;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Streams;

/// <summary>
/// One metadata document as fetched: its raw bytes (kept byte-for-byte for mirrors and signature
/// checks), whether it was cleartext-signed, and its parsed JSON body.
/// </summary>
internal sealed class MetadataDocument : IDisposable
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64 };

    private MetadataDocument(string name, Uri uri, byte[] raw, ClearSignedMessage? signed, JsonDocument json, ReadOnlyMemory<byte> body, int lineOffset,
        MalformedDocumentException? duplicateKey)
    {
        Name = name;
        Uri = uri;
        Raw = raw;
        ClearSigned = signed;
        Json = json;
        _body = body;
        _lineOffset = lineOffset;
        _duplicateKey = duplicateKey;
    }

    private readonly ReadOnlyMemory<byte> _body;
    private readonly int _lineOffset;
    /// <summary>What the duplicate-key check, run beside the parse, found (null: no key twice).</summary>
    private readonly MalformedDocumentException? _duplicateKey;

    /// <summary>Path relative to the stream root, used in every message about the document.</summary>
    public string Name { get; }
    public Uri Uri { get; }
    public byte[] Raw { get; }
    public ClearSignedMessage? ClearSigned { get; }
    public bool IsSigned => ClearSigned is not null;
    public JsonDocument Json { get; }

    /// <param name="name">Stream-relative path, for messages.</param>
    /// <param name="uri">Where it came from.</param>
    /// <param name="raw">The bytes as fetched.</param>
    /// <param name="verify">Checks a cleartext signature; nothing parsed is handed out unless it passes (null: not checked).</param>
    /// <remarks>
    /// The signature check and the duplicate-key check (<see cref="EnsureNoDuplicateKeys"/> reports
    /// its finding) read the body's bytes on another thread while this one parses the JSON: both
    /// are whole passes over the document, and a first call has two cores for them. Their order of
    /// precedence is that of doing them one after the other: a bad signature, then bad JSON, then a
    /// key twice.
    /// </remarks>
    public static MetadataDocument Parse(string name, Uri uri, byte[] raw, Action<ClearSignedMessage>? verify = null)
    {
        ClearSignedMessage? signed = null;
        int lineOffset = 0;
        ReadOnlyMemory<byte> body;
        if (ClearSignedMessage.LooksSigned(raw))
        {
            RequireUtf8(raw, name);
            signed = ClearSignedMessage.Parse(raw, name);
            lineOffset = signed.FirstBodyLine - 1;
            // The signed bytes themselves (a slice of raw unless dash-escaping had to be undone).
            body = signed.JsonBody();
        }
        else
        {
            body = raw.AsMemory();
            if (body.Span.StartsWith(Encoding.UTF8.Preamble)) body = body[3..];
        }

        var checks = Task.Run(() =>
        {
            if (verify is not null) verify(signed!);
            return FindDuplicateKey(body, name, lineOffset);
        });
        JsonDocument? json = null;
        JsonException? invalid = null;
        try
        {
            // The JSON reads from body without copying it; body lives as long as this document.
            json = JsonDocument.Parse(body, ParseOptions);
        }
        catch (JsonException e)
        {
            invalid = e;
        }
        MalformedDocumentException? duplicateKey;
        try
        {
            duplicateKey = checks.GetAwaiter().GetResult();
        }
        catch
        {
            json?.Dispose();
            throw;
        }
        if (invalid is not null)
        {
            var line = (invalid.LineNumber ?? 0) + 1 + lineOffset;
            var column = (invalid.BytePositionInLine ?? 0) + 1;
            throw new MalformedDocumentException(
                $"'{name}' is not valid JSON at line {line}, position {column}: {FirstSentence(invalid.Message)}", name, invalid);
        }
        if (json!.RootElement.ValueKind != JsonValueKind.Object)
        {
            json.Dispose();
            throw new MalformedDocumentException($"'{name}' is not a simplestreams document: its JSON is not an object.", name);
        }
        return new MetadataDocument(name, uri, raw, signed, json, body, lineOffset, duplicateKey);
    }

    /// <summary>The duplicate-key refusal for <paramref name="body"/>, or null; JSON that is not valid is the parse's to report.</summary>
    private static MalformedDocumentException? FindDuplicateKey(ReadOnlyMemory<byte> body, string name, int lineOffset)
    {
        try
        {
            DuplicateKeyCheck.Ensure(body.Span, name, lineOffset);
            return null;
        }
        catch (MalformedDocumentException e)
        {
            return e;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Refuses a key twice in one object (MalformedDocument naming key and line), as found while parsing.</summary>
    public void EnsureNoDuplicateKeys()
    {
        if (_duplicateKey is not null) throw _duplicateKey;
    }

    /// <summary>The top-level string <paramref name="key"/> (content_id, updated), or null.</summary>
    public string? TopString(string key) =>
        Json.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The document's <c>format</c> value, or null.</summary>
    public string? Format =>
        Json.RootElement.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;

    public void RequireFormat(string expected)
    {
        var actual = Format;
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new UnsupportedFormatException(
                $"'{Name}' has format '{actual ?? "(none)"}', expected '{expected}'.", Name);
        }
    }

    public void Dispose() => Json.Dispose();

    /// <summary>A signed document is text: bytes that are not UTF-8 are refused before anything is read from it.</summary>
    private static void RequireUtf8(ReadOnlySpan<byte> raw, string name)
    {
        if (System.Text.Unicode.Utf8.IsValid(raw)) return;
        int index = 0;
        while (index < raw.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(raw[index..], out _, out var consumed) != System.Buffers.OperationStatus.Done) break;
            index += consumed;
        }
        throw new MalformedDocumentException($"'{name}' is not valid UTF-8 (byte {index}).", name);
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
