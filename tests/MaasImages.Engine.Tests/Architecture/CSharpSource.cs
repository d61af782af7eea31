using System.Text;
using System.Text.RegularExpressions;

namespace MaasImages.Engine.Tests.Architecture;

/// <summary>
/// A C# source file split into its code (comments dropped, string contents blanked, interpolation
/// holes kept: they are code) and its string literals (the text a user may read). Enough of the
/// C# lexical grammar for the architecture tests; not a compiler.
/// </summary>
public sealed partial class CSharpSource
{
    private readonly string _text;
    private int _at;
    private readonly StringBuilder _code = new();
    private readonly List<string> _strings = [];

    private CSharpSource(string path, string text)
    {
        Path = path;
        _text = text;
        ScanCode(inHole: false);
        Code = _code.ToString();
    }

    public string Path { get; }

    /// <summary>The code without comments and without the text of string literals.</summary>
    public string Code { get; }

    /// <summary>The literal text of every string (interpolation holes shown as {…}).</summary>
    public IReadOnlyList<string> Strings => _strings;

    public static CSharpSource Read(string path) => new(path, File.ReadAllText(path));

    public static CSharpSource Parse(string text) => new("(text)", text);

    /// <summary>The identifiers of the code, each once.</summary>
    public IReadOnlySet<string> Identifiers() => Identifier().Matches(Code).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The types this file declares for others (classes, records, structs, interfaces, enums, nested ones too; not private or file-local ones).</summary>
    public IEnumerable<string> DeclaredTypes() => Declaration().Matches(Code)
        .Where(m => !m.Groups["modifiers"].Value.Contains("private", StringComparison.Ordinal) && !m.Groups["modifiers"].Value.Contains("file", StringComparison.Ordinal))
        .Select(m => m.Groups["name"].Value);

    private char Peek(int ahead = 0) => _at + ahead < _text.Length ? _text[_at + ahead] : '\0';

    private bool At(string s) => string.CompareOrdinal(_text, _at, s, 0, s.Length) == 0;

    /// <summary>Code up to the end (or, in an interpolation hole, up to its closing brace).</summary>
    private void ScanCode(bool inHole)
    {
        var depth = 0;
        while (_at < _text.Length)
        {
            var c = Peek();
            if (At("//")) { while (_at < _text.Length && Peek() != '\n') _at++; continue; }
            if (At("/*")) { var end = _text.IndexOf("*/", _at + 2, StringComparison.Ordinal); _at = end < 0 ? _text.Length : end + 2; _code.Append(' '); continue; }
            if (c == '\'') { SkipChar(); _code.Append("' '"); continue; }
            if (StringStart() is { } prefix) { ScanString(prefix); continue; }
            if (inHole)
            {
                if (c == '{') depth++;
                else if (c == '}')
                {
                    if (depth == 0) return;
                    depth--;
                }
            }
            _code.Append(c);
            _at++;
        }
    }

    private void SkipChar()
    {
        _at++; // opening quote
        if (Peek() == '\\') _at += 2; else _at++;
        while (_at < _text.Length && Peek() != '\'') _at++; // \u0041 and the like
        _at++;
    }

    /// <summary>The prefix of a string literal starting here ($, @, $@, @$, any of them before """), or null.</summary>
    private string? StringStart()
    {
        var i = _at;
        while (i < _text.Length && _text[i] is '$' or '@') i++;
        if (i >= _text.Length || _text[i] != '"') return null;
        // An identifier character before means this is not the start of a token (never the case for a quote in valid C#).
        return _text[_at..i];
    }

    private void ScanString(string prefix)
    {
        _at += prefix.Length;
        var interpolated = prefix.Contains('$', StringComparison.Ordinal);
        var verbatim = prefix.Contains('@', StringComparison.Ordinal);
        var literal = new StringBuilder();
        _code.Append('"');
        if (At("\"\"\""))
        {
            var quotes = 0;
            while (Peek() == '"') { quotes++; _at++; }
            var close = new string('"', quotes);
            var end = _text.IndexOf(close, _at, StringComparison.Ordinal);
            end = end < 0 ? _text.Length : end;
            literal.Append(_text, _at, end - _at);
            _at = Math.Min(_text.Length, end + quotes);
        }
        else
        {
            _at++; // opening quote
            while (_at < _text.Length)
            {
                var c = Peek();
                if (verbatim && c == '"' && Peek(1) == '"') { literal.Append('"'); _at += 2; continue; }
                if (c == '"') { _at++; break; }
                if (!verbatim && c == '\\') { literal.Append(c).Append(Peek(1)); _at += 2; continue; }
                if (interpolated && c == '{' && Peek(1) == '{') { literal.Append('{'); _at += 2; continue; }
                if (interpolated && c == '}' && Peek(1) == '}') { literal.Append('}'); _at += 2; continue; }
                if (interpolated && c == '{')
                {
                    _at++;
                    _code.Append("\" + (");
                    ScanCode(inHole: true);
                    _code.Append(") + \"");
                    _at++; // closing brace
                    literal.Append("{…}");
                    continue;
                }
                literal.Append(c);
                _at++;
            }
        }
        _code.Append('"');
        _strings.Add(literal.ToString());
    }

    [GeneratedRegex(@"\b[A-Za-z_]\w*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(?<modifiers>(?:\b(?:public|internal|private|protected|static|sealed|abstract|partial|readonly|file|ref|unsafe|new)\s+)*)\b(?:class|record|struct|interface|enum)\s+(?:struct\s+|class\s+)?(?<name>[A-Z]\w*)")]
    private static partial Regex Declaration();
}
