using System.Diagnostics;
using MaasImages.Engine.Manifests;

namespace MaasImages.Engine.Tests.Manifests;

public sealed class DebianVersionTests
{
    // Each pair: left < right (Debian Policy §5.6.12, as dpkg orders them).
    public static TheoryData<string, string> Ascending => new()
    {
        { "1.0~rc1", "1.0" },
        { "2.0", "1:0.9" },
        { "1.0-1", "1.0-1ubuntu1" },
        { "2.36-9", "2.36-9+deb12u4" },
        { "2.36-9+deb12u3", "2.36-9+deb12u4" },
        { "2.36-9+deb12u4", "2.36-10" },
        { "1.0~~", "1.0~" },
        { "1.0~", "1.0" },
        { "1.0~~a", "1.0~" },
        { "1.0", "1.0a" },
        { "1.0a", "1.0+" },
        { "1.0+", "1.0." },
        { "1.0", "1.0.1" },
        { "1.9", "1.10" },
        { "1.09", "1.10" },
        { "1.0", "1.0-0.1" },
        { "0:1.0", "1:0" },
        { "1.2.3-1ubuntu0.1", "1.2.3-1ubuntu0.2" },
        { "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.15" },
        { "3.0.13-0ubuntu3.1", "3.0.13-0ubuntu3.4" },
        { "1.0~rc1-1", "1.0-1" },
        { "1.0-1~bpo1", "1.0-1" },
        { "2.0a", "2.0b" },
        { "2.0A", "2.0a" },
        { "2.0Z", "2.0a" },
        { "1.0-a", "1.0-+" },
        { "99999999999999999999998", "99999999999999999999999" },
        { "1.0-9", "1.0-10" },
        { "2:1.0", "10:0.1" },
        { "1.0-1.1", "1.0-1-1" },
        { "1.0.0~git20240101", "1.0.0" },
        { "252.5-2ubuntu3", "252.5-2ubuntu3.2" },
        { "1:2.4.47+dfsg-3ubuntu6", "1:2.4.47+dfsg-3ubuntu6.1" },
    };

    [Theory]
    [MemberData(nameof(Ascending))]
    public void Known_orderings_hold_both_ways(string lower, string higher)
    {
        var a = DebianVersion.Parse(lower);
        var b = DebianVersion.Parse(higher);
        Assert.True(a.CompareTo(b) < 0, $"{lower} < {higher}");
        Assert.True(b.CompareTo(a) > 0, $"{higher} > {lower}");
        Assert.True(a < b);
        Assert.True(b > a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Tilde_sorts_before_everything_including_the_end()
    {
        var sorted = new[] { "1.0", "1.0~", "1.0~~", "1.0a", "1.0~~a" }
            .Select(DebianVersion.Parse).OrderBy(v => v).Select(v => v.ToString()).ToArray();
        Assert.Equal(new[] { "1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a" }, sorted);
        Assert.True(DebianVersion.CompareFragment("~~", "~") < 0);
        Assert.True(DebianVersion.CompareFragment("~", "") < 0);
        Assert.True(DebianVersion.CompareFragment("", "a") < 0);
        Assert.True(DebianVersion.CompareFragment("a", ".") < 0);
    }

    [Theory]
    [InlineData("1.0", "0:1.0")]
    [InlineData("1.0", "1.0-0")]
    [InlineData("1.0", "1.00")]
    [InlineData("1.0a", "1.0a0")]
    [InlineData("01:1.0-1", "1:1.0-1")]
    public void Versions_that_compare_equal_are_equal_and_hash_alike_but_print_as_written(string left, string right)
    {
        var a = DebianVersion.Parse(left);
        var b = DebianVersion.Parse(right);
        Assert.Equal(0, a.CompareTo(b));
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(left, a.ToString());
        Assert.Equal(right, b.ToString());
    }

    [Theory]
    [InlineData("2.36-9+deb12u4", 0, "2.36", "9+deb12u4")]
    [InlineData("1:2.4.47+dfsg-3ubuntu6.1", 1, "2.4.47+dfsg", "3ubuntu6.1")]
    [InlineData("1.0~rc1", 0, "1.0~rc1", "")]
    [InlineData("2:8.2.3995-1ubuntu2-x", 2, "8.2.3995-1ubuntu2", "x")]
    [InlineData("7", 0, "7", "")]
    public void Parts_are_epoch_upstream_and_revision_after_the_last_hyphen(string text, int epoch, string upstream, string revision)
    {
        var version = DebianVersion.Parse(text);
        Assert.Equal(epoch, version.Epoch);
        Assert.Equal(upstream, version.Upstream);
        Assert.Equal(revision, version.Revision);
        Assert.Equal(text, version.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a1.0", "does not start with a digit")]
    [InlineData(":1.0", "epoch")]
    [InlineData("x:1.0", "epoch")]
    [InlineData("-1:1.0", "epoch")]
    [InlineData("99999999999:1.0", "too big")]
    [InlineData("1:2:3", "more than one ':'")]
    [InlineData("1.0-", "revision")]
    [InlineData("-1", "upstream version is empty")]
    [InlineData("1:", "upstream version is empty")]
    [InlineData("1.0 beta", "'\\u0020'")]
    [InlineData("1.0_1", "'_'")]
    [InlineData("1.0-1_2", "revision holds '_'")]
    [InlineData("1.0\u00e9", "upstream version holds")]
    public void Invalid_versions_are_a_clear_error_with_a_stable_id(string text, string reason)
    {
        var error = Assert.Throws<InvalidDebianVersionException>(() => DebianVersion.Parse(text));
        Assert.Equal("InvalidDebianVersion", error.ErrorId);
        Assert.Contains("is not a Debian version", error.Message);
        Assert.Contains(reason, error.Message);
        Assert.False(DebianVersion.TryParse(text, out _, out var problem));
        Assert.NotEmpty(problem);
    }

    [Fact]
    public void Overlong_versions_are_refused_and_the_message_stays_short()
    {
        var text = "1." + new string('9', DebianVersion.MaxLength);
        var error = Assert.Throws<InvalidDebianVersionException>(() => DebianVersion.Parse(text));
        Assert.Contains("longer than", error.Message);
        Assert.True(error.Message.Length < 200);
    }

    [Fact]
    public void Comparing_with_null_or_a_string_works_and_another_type_is_refused()
    {
        var version = DebianVersion.Parse("1.0");
        Assert.True(version.CompareTo(null) > 0);
        Assert.True(((IComparable)version).CompareTo("1.0~") > 0);
        Assert.Throws<ArgumentException>(() => ((IComparable)version).CompareTo(42));
        Assert.False(version.Equals("1.0"));
    }

    [DpkgFact]
    public void Agrees_with_dpkg_compare_versions_on_hundreds_of_pairs()
    {
        var pool = DpkgPool();
        var pairs = new List<(string A, string B)>();
        for (int i = 0; i < pool.Length; i++)
            for (int j = i + 1; j < pool.Length; j++)
                if ((i * 31 + j * 17) % 3 == 0 || j == i + 1) pairs.Add((pool[i], pool[j]));
        Assert.True(pairs.Count >= 300, $"only {pairs.Count} pairs");

        var expected = DpkgOrder(pairs);
        for (int k = 0; k < pairs.Count; k++)
        {
            var ours = Math.Sign(DebianVersion.Parse(pairs[k].A).CompareTo(DebianVersion.Parse(pairs[k].B)));
            Assert.True(expected[k] == ours, $"dpkg says {pairs[k].A} {Word(expected[k])} {pairs[k].B}, we say {Word(ours)}");
        }
    }

    private static string Word(int sign) => sign < 0 ? "<" : sign > 0 ? ">" : "=";

    /// <summary>Versions in the shapes real Ubuntu manifests carry, plus the edge cases of the rules.</summary>
    private static string[] DpkgPool() =>
    [
        "1.0", "1.0~rc1", "1.0~~", "1.0~", "1.0a", "1.0+", "1.0.", "1.00", "1.0-0", "1.0-1", "1.0-1ubuntu1",
        "1.0-1~bpo1", "1:0.9", "2.0", "0:2.0", "2:1.0", "10:0.1", "2.36-9+deb12u4", "2.36-9+deb12u3", "2.36-10",
        "2.35-0ubuntu3.1", "2.35-0ubuntu3.8", "2.39-0ubuntu8.3", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.15",
        "3.0.13-0ubuntu3.4", "1:2.4.47+dfsg-3ubuntu6.1", "1:9.18.28-0ubuntu0.22.04.1", "1:9.18.30-0ubuntu0.22.04.2",
        "2:8.2.3995-1ubuntu2.21", "2:9.1.0016-1ubuntu7.5", "252.5-2ubuntu3", "252.5-2ubuntu3.2", "255.4-1ubuntu8.4",
        "6.8.0-41.41", "6.8.0-45.45", "5.15.0-119.129", "0.9.1~git20240101-1", "0.9.1-1", "1.2.3+really1.2.2-1",
        "1.2.4-1", "4.2.2-4ubuntu1.0", "20240101", "20240101.1", "1.0A", "1.0Z", "1.0z", "9", "09", "1.0-a", "1.0-+",
    ];

    private static int[] DpkgOrder(List<(string A, string B)> pairs)
    {
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("while read a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; " +
            "elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; done");
        using var process = Process.Start(start)!;
        var reading = process.StandardOutput.ReadToEndAsync();
        foreach (var (a, b) in pairs) process.StandardInput.WriteLine($"{a} {b}");
        process.StandardInput.Close();
        var lines = reading.GetAwaiter().GetResult().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        Assert.Equal(pairs.Count, lines.Length);
        return lines.Select(int.Parse).ToArray();
    }
}

/// <summary>A test that needs dpkg; skipped, with the reason shown, on machines without it.</summary>
public sealed class DpkgFactAttribute : FactAttribute
{
    public DpkgFactAttribute()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "dpkg")));
        if (!found) Skip = "dpkg is not on PATH: the cross-check with 'dpkg --compare-versions' is skipped.";
    }
}
