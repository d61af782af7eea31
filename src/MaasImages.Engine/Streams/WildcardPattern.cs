using System.Text;
using System.Text.RegularExpressions;

namespace MaasImages.Engine.Streams;

/// <summary>
/// PowerShell-style wildcards (<c>*</c>, <c>?</c>, <c>[abc]</c>, case-insensitive) for the typed
/// filter parameters. The engine has no PowerShell reference, hence its own small matcher.
/// </summary>
public sealed class WildcardMatcher
{
    private readonly Regex? _regex;
    private readonly string _literal;

    public WildcardMatcher(string pattern)
    {
        Pattern = pattern;
        _literal = pattern;
        if (pattern.AsSpan().IndexOfAny("*?[") >= 0)
            _regex = new Regex(ToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    public string Pattern { get; }

    public bool IsMatch(string? value)
    {
        value ??= string.Empty;
        return _regex is null ? string.Equals(value, _literal, StringComparison.OrdinalIgnoreCase) : _regex.IsMatch(value);
    }

    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0) { sb.Append(@"\["); break; }
                    sb.Append('[').Append(pattern[(i + 1)..close].Replace(@"\", @"\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                case '`' when i + 1 < pattern.Length: // PowerShell escape character
                    sb.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return sb.Append('$').ToString();
    }
}
