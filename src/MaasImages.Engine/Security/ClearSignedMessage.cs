using System.Text;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Security;

/// <summary>Receives the signed text of a document piece by piece (a signature check hashes it as it comes).</summary>
internal delegate void SignedTextSink(byte[] buffer, int offset, int count);

/// <summary>
/// An OpenPGP cleartext-signed message (RFC 4880 §7), as used by <c>.sjson</c> documents: the
/// armor headers, where the body lies in the document's bytes, and the signature block kept for
/// checking. The body is never copied into strings: a products document can be hundreds of MB, so
/// the canonical text is streamed to the signature check (<see cref="WriteCanonicalText"/>) and the
/// JSON is read from the document's own bytes (<see cref="JsonBody"/>).
/// </summary>
public sealed class ClearSignedMessage
{
    internal const string BeginMessage = "-----BEGIN PGP SIGNED MESSAGE-----";
    internal const string BeginSignature = "-----BEGIN PGP SIGNATURE-----";
    internal const string EndSignature = "-----END PGP SIGNATURE-----";

    /// <summary>Chunk size for the canonical text: big enough that hashing is not per line, small enough to stay out of the LOH.</summary>
    internal const int CanonicalChunkBytes = 64 * 1024;

    private readonly ReadOnlyMemory<byte> _raw;
    private readonly int _bodyStart;
    private readonly int _bodyEnd;
    private readonly bool _hasBody;
    private readonly bool _dashEscaped;

    private ClearSignedMessage(IReadOnlyList<string> hashes, string signatureArmor, int firstBodyLine,
        ReadOnlyMemory<byte> raw, int bodyStart, int bodyEnd, bool hasBody, bool dashEscaped)
    {
        Hashes = hashes;
        SignatureArmor = signatureArmor;
        FirstBodyLine = firstBodyLine;
        _raw = raw;
        _bodyStart = bodyStart;
        _bodyEnd = bodyEnd;
        _hasBody = hasBody;
        _dashEscaped = dashEscaped;
    }

    /// <summary>Values of the <c>Hash:</c> armor headers (e.g. SHA512).</summary>
    public IReadOnlyList<string> Hashes { get; }
    /// <summary>The <c>-----BEGIN PGP SIGNATURE-----</c> … <c>-----END PGP SIGNATURE-----</c> block.</summary>
    public string SignatureArmor { get; }
    /// <summary>1-based line of the file where the body starts: lets parse errors point into the file.</summary>
    public int FirstBodyLine { get; }

    /// <summary>Body lines without line endings, dash-escaping undone (builds strings: for small documents and tests).</summary>
    public IReadOnlyList<string> BodyLines
    {
        get
        {
            var lines = new List<string>();
            ForEachBodyLine((start, end) => lines.Add(Encoding.UTF8.GetString(_raw.Span[start..end])));
            return lines;
        }
    }

    /// <summary>The body as the signer saw it: lines joined with LF (the line break before the signature belongs to the armor).</summary>
    public string Body => string.Join('\n', BodyLines);

    /// <summary>
    /// The body as JSON text: the document's own bytes between the armor header and the signature
    /// (line ends as stored, which JSON reads the same), copied only when dash-escaping must be undone.
    /// </summary>
    internal ReadOnlyMemory<byte> JsonBody()
    {
        if (!_hasBody) return ReadOnlyMemory<byte>.Empty;
        if (!_dashEscaped) return _raw[_bodyStart.._bodyEnd];
        var copy = new byte[_bodyEnd - _bodyStart];
        int used = 0;
        bool first = true;
        ForEachBodyLine((start, end) =>
        {
            if (!first) copy[used++] = (byte)'\n';
            first = false;
            _raw.Span[start..end].CopyTo(copy.AsSpan(used));
            used += end - start;
        });
        return copy.AsMemory(0, used);
    }

    /// <summary>
    /// The text the signature covers (RFC 4880 §7.1): body lines with dash-escaping undone and
    /// trailing spaces and tabs removed, joined by CRLF, no line end after the last; written to
    /// <paramref name="sink"/> in chunks of at most <see cref="CanonicalChunkBytes"/>.
    /// </summary>
    internal void WriteCanonicalText(SignedTextSink sink)
    {
        var chunk = new byte[CanonicalChunkBytes];
        int used = 0;
        bool first = true;
        ForEachBodyLine((start, end) =>
        {
            var line = _raw.Span[start..end].TrimEnd(" \t"u8);
            if (!first) Append("\r\n"u8, chunk, ref used, sink);
            first = false;
            Append(line, chunk, ref used, sink);
        });
        if (used > 0) sink(chunk, 0, used);
    }

    private static void Append(ReadOnlySpan<byte> data, byte[] chunk, ref int used, SignedTextSink sink)
    {
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, chunk.Length - used);
            data[..take].CopyTo(chunk.AsSpan(used));
            used += take;
            data = data[take..];
            if (used == chunk.Length)
            {
                sink(chunk, 0, used);
                used = 0;
            }
        }
    }

    private delegate void LineAction(int start, int end);

    /// <summary>Each body line as [start, end) in the raw bytes: line end (and one CR before it) excluded, dash-escape skipped.</summary>
    private void ForEachBodyLine(LineAction action)
    {
        if (!_hasBody) return;
        var raw = _raw.Span;
        int start = _bodyStart;
        while (true)
        {
            var newline = raw[start.._bodyEnd].IndexOf((byte)'\n');
            int lineEnd = newline < 0 ? _bodyEnd : start + newline;
            int contentEnd = newline >= 0 && lineEnd > start && raw[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;
            int contentStart = _dashEscaped && contentEnd - start >= 2 && raw[start] == (byte)'-' && raw[start + 1] == (byte)' ' ? start + 2 : start;
            action(contentStart, contentEnd);
            if (newline < 0) return;
            start = lineEnd + 1;
        }
    }

    /// <summary>True when the bytes start like a cleartext-signed message (after an optional BOM/whitespace).</summary>
    public static bool LooksSigned(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith(Encoding.UTF8.Preamble)) content = content[3..];
        while (!content.IsEmpty && (content[0] == (byte)' ' || content[0] == (byte)'\r' || content[0] == (byte)'\n' || content[0] == (byte)'\t'))
            content = content[1..];
        return content.StartsWith("-----BEGIN PGP SIGNED MESSAGE-----"u8);
    }

    /// <summary>
    /// True when a cleartext-signature start line appears anywhere in the bytes: a document that
    /// has one but does not start with it has text before the signed part.
    /// </summary>
    public static bool ContainsSignedMessage(ReadOnlySpan<byte> content) => content.IndexOf("-----BEGIN PGP SIGNED MESSAGE-----"u8) >= 0;

    /// <summary>Parses a message held as text (tests, small documents): the same as parsing its UTF-8 bytes.</summary>
    public static ClearSignedMessage Parse(string text, string documentName)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(Encoding.UTF8.GetBytes(text), documentName);
    }

    /// <summary>
    /// Parses the armor around the body of <paramref name="raw"/> (valid UTF-8), which the message
    /// keeps referring to. Framing lines are checked as text; body lines are only looked at for a
    /// leading '-' (dash-escaping, or the signature's start).
    /// </summary>
    public static ClearSignedMessage Parse(ReadOnlyMemory<byte> raw, string documentName)
    {
        var lines = new LineReader(raw.Span);
        if (raw.Span.StartsWith(Encoding.UTF8.Preamble)) lines.Skip(3);

        // Nothing but blank lines before the start line.
        string? line;
        while ((line = lines.NextText()) is not null && line.Trim().Length == 0) { }
        if (line is null || line.TrimEnd() != BeginMessage)
            throw Malformed(documentName, lines.Number + (line is null ? 1 : 0), $"expected '{BeginMessage}' (nothing but blank lines may come before it)");

        var hashes = new List<string>();
        while ((line = lines.NextText()) is not null && line.TrimEnd().Length != 0)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw Malformed(documentName, lines.Number, "bad armor header line");
            // RFC 4880 §7: the cleartext armor carries only Hash headers; anything else is not what a signer wrote.
            if (!line[..colon].Equals("Hash", StringComparison.Ordinal))
                throw Malformed(documentName, lines.Number, $"unexpected armor header '{line[..colon]}' (only 'Hash' belongs there)");
            foreach (var h in line[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                hashes.Add(h);
        }
        if (line is null) throw Malformed(documentName, lines.Number, "no blank line after the armor headers");
        int firstBodyLine = lines.Number + 1;

        // The body: only lines starting with '-' need a closer look (dash-escaped, or the start of
        // the signature), so the scan jumps from one "\n-" to the next; the bulk is never split into lines.
        var bytes = raw.Span;
        int bodyStart = lines.Position, signatureAt = -1;
        bool dashEscaped = false;
        string? signatureStart = null;
        for (int lineStart = bodyStart; lineStart < bytes.Length;)
        {
            if (bytes[lineStart] == (byte)'-')
            {
                lines.Seek(lineStart);
                var text = lines.NextText()!;
                if (text.TrimEnd() == BeginSignature)
                {
                    signatureAt = lineStart;
                    signatureStart = text;
                    break;
                }
                if (!text.StartsWith("- ", StringComparison.Ordinal))
                    throw Malformed(documentName, lines.Number, "a line starting with '-' is not dash-escaped");
                dashEscaped = true;
                lineStart = lines.Position;
                continue;
            }
            var next = bytes[lineStart..].IndexOf("\n-"u8);
            if (next < 0) break;
            lineStart += next + 1;
        }
        if (signatureStart is null) throw Malformed(documentName, lines.TotalLines, $"no '{BeginSignature}' block");
        // The line break before the signature belongs to the armor; one CR before it ends the line too.
        bool hasBody = signatureAt > bodyStart;
        int bodyEnd = hasBody ? signatureAt - 1 : bodyStart;
        if (hasBody && bodyEnd > bodyStart && bytes[bodyEnd - 1] == (byte)'\r') bodyEnd--;

        var armor = new StringBuilder(signatureStart);
        while ((line = lines.NextText()) is not null)
        {
            armor.Append('\n').Append(line);
            if (line.TrimEnd() == EndSignature) break;
        }
        if (line is null) throw Malformed(documentName, lines.Number, $"no '{EndSignature}' line (truncated armor?)");
        // Nothing may follow the signature: a second signed message or appended text would be read
        // by some tools and not by others ("the first part verified, so use it all").
        while ((line = lines.NextText()) is not null)
        {
            if (line.Trim().Length != 0)
                throw Malformed(documentName, lines.Number, $"text after '{EndSignature}' (a second message or appended data)");
        }

        return new ClearSignedMessage(hashes, armor.ToString(), firstBodyLine, raw, bodyStart, bodyEnd, hasBody, dashEscaped);
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>
    /// Lines of the raw bytes split at LF; one CR before the LF is not part of the line, and a
    /// last line without LF loses all its trailing CRs. <see cref="Number"/> is the 1-based number
    /// of the line last returned (0 before any), counted only when asked: error messages need it,
    /// reading does not.
    /// </summary>
    private ref struct LineReader(ReadOnlySpan<byte> raw)
    {
        private readonly ReadOnlySpan<byte> _raw = raw;
        private int _lineStart = -1;

        public int Position { get; private set; }

        public readonly int Number => _lineStart < 0 ? 0 : _raw[.._lineStart].Count((byte)'\n') + 1;

        /// <summary>How many lines the whole document has (the last one may lack its LF).</summary>
        public readonly int TotalLines => _raw.Count((byte)'\n') + (_raw.Length > 0 && _raw[^1] != (byte)'\n' ? 1 : 0);

        public void Skip(int bytes) => Position += bytes;

        /// <summary>Continues reading at <paramref name="lineStart"/>, the start of a line.</summary>
        public void Seek(int lineStart) => Position = lineStart;

        public bool Next(out int start, out int contentEnd)
        {
            start = Position;
            contentEnd = Position;
            if (Position >= _raw.Length) return false;
            _lineStart = Position;
            var newline = _raw[Position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                contentEnd = _raw.Length;
                while (contentEnd > start && _raw[contentEnd - 1] == (byte)'\r') contentEnd--;
                Position = _raw.Length;
                return true;
            }
            var lineEnd = Position + newline;
            contentEnd = lineEnd > start && _raw[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;
            Position = lineEnd + 1;
            return true;
        }

        public string? NextText() => Next(out var start, out var contentEnd) ? Decode(_raw[start..contentEnd]) : null;
    }

    private static MalformedDocumentException Malformed(string documentName, int line, string problem) =>
        new($"'{documentName}' is not a valid OpenPGP cleartext-signed document (line {line}): {problem}.", documentName);
}
