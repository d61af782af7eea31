using System.Text.RegularExpressions;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Streams;

public enum FilterOperator { Equal, NotEqual, Match, NotMatch }

/// <summary>
/// One term of the simplestreams filter language users know from <c>sstream-mirror</c>:
/// <c>key=value</c>, <c>key!=value</c>, <c>key~regex</c>, <c>key!~regex</c> (unanchored search).
/// A missing key compares as the empty string.
/// </summary>
public sealed partial class FilterExpression
{
    private readonly Regex? _regex;

    private FilterExpression(string text, string key, FilterOperator op, string value, Regex? regex)
    {
        Text = text;
        Key = key;
        Operator = op;
        Value = value;
        _regex = regex;
    }

    public string Text { get; }
    public string Key { get; }
    public FilterOperator Operator { get; }
    public string Value { get; }

    public static FilterExpression Parse(string text)
    {
        var match = Grammar().Match(text ?? string.Empty);
        if (!match.Success)
        {
            throw new InvalidArgumentException("InvalidFilter",
                $"Filter '{text}' is not 'key=value', 'key!=value', 'key~regex' or 'key!~regex' (key: letters, digits, '_', '-', '.').", text);
        }
        var key = match.Groups["key"].Value;
        var value = match.Groups["value"].Value;
        var op = match.Groups["op"].Value switch
        {
            "=" => FilterOperator.Equal,
            "!=" => FilterOperator.NotEqual,
            "~" => FilterOperator.Match,
            _ => FilterOperator.NotMatch,
        };
        Regex? regex = null;
        if (op is FilterOperator.Match or FilterOperator.NotMatch)
        {
            try
            {
                regex = new Regex(value, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new InvalidArgumentException("InvalidFilter", $"Filter '{text}' has an invalid regular expression: {e.Message}", text, e);
            }
        }
        return new FilterExpression(text!, key, op, value, regex);
    }

    internal bool IsMatch(Func<string, string?> lookup)
    {
        var actual = lookup(Key) ?? string.Empty;
        return Operator switch
        {
            FilterOperator.Equal => string.Equals(actual, Value, StringComparison.Ordinal),
            FilterOperator.NotEqual => !string.Equals(actual, Value, StringComparison.Ordinal),
            FilterOperator.Match => _regex!.IsMatch(actual),
            _ => !_regex!.IsMatch(actual),
        };
    }

    public override string ToString() => Text;

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9_.\-]+)(?<op>!=|!~|=|~)(?<value>.*)$", RegexOptions.Singleline)]
    private static partial Regex Grammar();
}
