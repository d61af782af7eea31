using System.Text;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Security;

/// <summary>
/// An OpenPGP cleartext-signed message (RFC 4880 §7), as used by <c>.sjson</c> documents: the
/// armor headers, the body with dash-escaping undone, and the signature block kept for checking.
/// </summary>
public sealed class ClearSignedMessage
{
    internal const string BeginMessage = "-----BEGIN PGP SIGNED MESSAGE-----";
    internal const string BeginSignature = "-----BEGIN PGP SIGNATURE-----";
    internal const string EndSignature = "-----END PGP SIGNATURE-----";

    private ClearSignedMessage(IReadOnlyList<string> hashes, IReadOnlyList<string> bodyLines, string signatureArmor, int firstBodyLine)
    {
        Hashes = hashes;
        BodyLines = bodyLines;
        SignatureArmor = signatureArmor;
        FirstBodyLine = firstBodyLine;
    }

    /// <summary>Values of the <c>Hash:</c> armor headers (e.g. SHA512).</summary>
    public IReadOnlyList<string> Hashes { get; }
    /// <summary>Body lines without line endings, dash-escaping undone.</summary>
    public IReadOnlyList<string> BodyLines { get; }
    /// <summary>The <c>-----BEGIN PGP SIGNATURE-----</c> … <c>-----END PGP SIGNATURE-----</c> block.</summary>
    public string SignatureArmor { get; }
    /// <summary>1-based line of the file where the body starts: lets parse errors point into the file.</summary>
    public int FirstBodyLine { get; }

    /// <summary>The body as the signer saw it: lines joined with LF (the line break before the signature belongs to the armor).</summary>
    public string Body => string.Join('\n', BodyLines);

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

    public static ClearSignedMessage Parse(string text, string documentName)
    {
        if (text.StartsWith('\uFEFF')) text = text[1..];
        var lines = SplitLines(text);
        int i = 0;
        while (i < lines.Count && lines[i].Trim().Length == 0) i++;
        if (i >= lines.Count || lines[i].TrimEnd() != BeginMessage)
            throw Malformed(documentName, i + 1, $"expected '{BeginMessage}' (nothing but blank lines may come before it)");
        i++;

        var hashes = new List<string>();
        for (; i < lines.Count && lines[i].TrimEnd().Length != 0; i++)
        {
            var header = lines[i];
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw Malformed(documentName, i + 1, "bad armor header line");
            // RFC 4880 §7: the cleartext armor carries only Hash headers; anything else is not what a signer wrote.
            if (!header[..colon].Equals("Hash", StringComparison.Ordinal))
                throw Malformed(documentName, i + 1, $"unexpected armor header '{header[..colon]}' (only 'Hash' belongs there)");
            foreach (var h in header[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                hashes.Add(h);
        }
        if (i >= lines.Count) throw Malformed(documentName, i, "no blank line after the armor headers");
        i++; // the blank line
        int firstBodyLine = i + 1;

        var body = new List<string>();
        for (; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.TrimEnd() == BeginSignature) break;
            if (line.StartsWith("- ", StringComparison.Ordinal)) line = line[2..];
            else if (line.StartsWith('-')) throw Malformed(documentName, i + 1, "a line starting with '-' is not dash-escaped");
            body.Add(line);
        }
        if (i >= lines.Count) throw Malformed(documentName, i, $"no '{BeginSignature}' block");

        int signatureStart = i;
        for (; i < lines.Count; i++)
        {
            if (lines[i].TrimEnd() == EndSignature) break;
        }
        if (i >= lines.Count) throw Malformed(documentName, i, $"no '{EndSignature}' line (truncated armor?)");
        // Nothing may follow the signature: a second signed message or appended text would be read
        // by some tools and not by others ("the first part verified, so use it all").
        for (int after = i + 1; after < lines.Count; after++)
        {
            if (lines[after].Trim().Length != 0)
                throw Malformed(documentName, after + 1, $"text after '{EndSignature}' (a second message or appended data)");
        }

        var armor = string.Join('\n', lines.Skip(signatureStart).Take(i - signatureStart + 1));
        return new ClearSignedMessage(hashes, body, armor, firstBodyLine);
    }

    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                int end = i > start && text[i - 1] == '\r' ? i - 1 : i;
                lines.Add(text[start..end]);
                start = i + 1;
            }
        }
        if (start < text.Length) lines.Add(text[start..].TrimEnd('\r'));
        return lines;
    }

    private static MalformedDocumentException Malformed(string documentName, int line, string problem) =>
        new($"'{documentName}' is not a valid OpenPGP cleartext-signed document (line {line}): {problem}.", documentName);
}
