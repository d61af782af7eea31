using MaasImages.Engine.Formatting;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Formatting;

public sealed class CountedTests
{
    [Theory]
    [InlineData(0, "0 files")]
    [InlineData(1, "1 file")]
    [InlineData(2, "2 files")]
    [InlineData(12345, "12,345 files")]
    public void A_count_takes_its_noun_in_the_right_number(long count, string expected) =>
        Assert.Equal(expected, Counted.Of(count, "file"));

    [Fact]
    public void An_irregular_plural_is_given() =>
        Assert.Equal(["1 entry", "3 entries"], new[] { Counted.Of(1, "entry", "entries"), Counted.Of(3, "entry", "entries") });

    [Fact]
    public void No_message_text_writes_a_plural_in_brackets()
    {
        // "(s)" reads as "1 file(s)": every count uses Counted.Of or words chosen by the count.
        var source = Path.Combine(RepoPaths.Root, "src");
        var bracketed = new System.Text.RegularExpressions.Regex(@"(?<!http)\(s\)");
        var offenders = RepoPaths.SourceFiles(source)
            .SelectMany(file => File.ReadLines(file).Select((line, index) => (file, line, index)))
            .Where(l => !l.line.TrimStart().StartsWith("//", StringComparison.Ordinal) && bracketed.IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(source, l.file)}:{l.index + 1}: {l.line.Trim()}")
            .ToList();
        Assert.Empty(offenders);
    }
}
