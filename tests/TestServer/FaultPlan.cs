namespace MaasImages.TestServer;

/// <summary>
/// The faults waiting to be applied, as rules matched against the request's path relative to the root
/// (no leading slash, e.g. <c>streams/v1/index.json</c>). Patterns are exact paths or globs where
/// <c>*</c> matches any run of characters including <c>/</c> and <c>?</c> matches one character.
/// Thread-safe; may be changed while the server runs.
/// </summary>
/// <remarks>
/// For each request the matching rules are taken in the order they were added. If one of them is a
/// <see cref="FaultKind.Status"/> rule, only the first such rule is used (and consumed). Otherwise every
/// matching rule is used and combined, but only by a GET of an existing file: a HEAD or a 404 does not use
/// up a body fault meant for the download that follows.
/// </remarks>
public sealed class FaultPlan
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];

    /// <summary>Add a rule for the next <paramref name="count"/> matching requests (-1 = forever).</summary>
    public FaultRule Add(string pathPattern, Fault fault, int count = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathPattern);
        ArgumentNullException.ThrowIfNull(fault);
        if (count is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Use a positive count, or -1 for forever.");
        }

        var rule = new FaultRule(pathPattern.TrimStart('/'), fault, count);
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>A snapshot of the rules that still have requests left.</summary>
    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_gate)
            {
                return [.. _rules];
            }
        }
    }

    /// <summary>Consume and return the faults that apply to one request (see the class remarks).</summary>
    internal IReadOnlyList<Fault> Take(string relativePath, bool sendsBody)
    {
        lock (_gate)
        {
            var matching = _rules.Where(r => Glob.IsMatch(r.PathPattern, relativePath)).ToList();
            var status = matching.FirstOrDefault(r => r.Fault.Kind == FaultKind.Status);
            List<FaultRule> used = status is not null ? [status] : sendsBody ? matching : [];
            foreach (var rule in used)
            {
                if (rule.Consume())
                {
                    _rules.Remove(rule);
                }
            }

            return used.Select(r => r.Fault).ToList();
        }
    }
}

/// <summary>A fault bound to a path pattern, with how many requests it still applies to (-1 = forever).</summary>
public sealed class FaultRule
{
    private int _remaining;

    internal FaultRule(string pathPattern, Fault fault, int count)
    {
        PathPattern = pathPattern;
        Fault = fault;
        _remaining = count;
    }

    public string PathPattern { get; }

    public Fault Fault { get; }

    public int Remaining => Volatile.Read(ref _remaining);

    public override string ToString() => $"{PathPattern}: {Fault} x{Remaining}";

    /// <summary>Called under the plan's lock; true when the rule is used up.</summary>
    internal bool Consume() => _remaining != -1 && Interlocked.Decrement(ref _remaining) == 0;
}

/// <summary>Minimal wildcard matching: no character classes, ordinal comparison.</summary>
internal static class Glob
{
    public static bool IsMatch(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                // Remember the star and first try to match it against nothing; backtrack from here later.
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
