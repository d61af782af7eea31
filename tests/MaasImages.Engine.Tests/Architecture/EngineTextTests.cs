using System.Text.RegularExpressions;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Architecture;

/// <summary>
/// The engine's texts (error messages, warnings, log lines) name no cmdlet parameter: the engine
/// is usable without PowerShell, and which parameter helps is the cmdlet layer's to say (from the
/// error's Remedy). Read from the string literals of the engine's sources.
/// </summary>
public sealed partial class EngineTextTests
{
    [Fact]
    public void No_engine_text_names_a_cmdlet_parameter()
    {
        var root = Path.Combine(RepoPaths.Root, "src", "MaasImages.Engine");
        var found = RepoPaths.SourceFiles(root)
            .Select(CSharpSource.Read)
            .SelectMany(f => f.Strings.Where(s => ParameterName().IsMatch(s)).Select(s => $"{Path.GetRelativePath(root, f.Path)}: \"{s}\""))
            .ToList();
        Assert.True(found.Count == 0, "Engine texts naming a parameter (say what to do in words and give the error a Remedy):\n" + string.Join("\n", found));
    }

    [Theory]
    [InlineData("pass -Force to replace it", true)]
    [InlineData("(-KeepSnapshots 2)", true)]
    [InlineData("Save-MaasImage wrote it", false)]
    [InlineData("ga-22.04, hwe-22.04-edge", false)]
    [InlineData("-1 bytes", false)]
    public void The_check_knows_a_parameter_from_a_hyphenated_word(string text, bool names)
    {
        Assert.Equal(names, ParameterName().IsMatch(text));
    }

    [Fact]
    public void An_error_that_a_parameter_gets_past_says_so_with_a_remedy_not_a_name()
    {
        var occupied = new LinkPathOccupiedException("/srv/current", ["pxelinux.0"]);
        Assert.Equal(MaasRemedy.Override, occupied.Remedy);
        Assert.DoesNotContain("-Force", occupied.Message, StringComparison.Ordinal);
        var stale = new StaleMetadataException("index.sjson", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), "/srv");
        Assert.Equal(MaasRemedy.Override, stale.Remedy);
        // An item not saved because of it keeps what can be done about it.
        var image = LocalSampleImage();
        Assert.Equal(MaasRemedy.Override, new ItemNotSavedException(image, stale).Remedy);
    }

    private static MaasImageVersion LocalSampleImage()
    {
        var stream = StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream), skipSignatureCheck: true, CancellationToken.None)
            .GetAwaiter().GetResult();
        var content = stream.Contents.First(c => c.Kind == MaasContentKind.Images);
        return StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), CancellationToken.None).GetAwaiter().GetResult()[0];
    }

    /// <summary>A PowerShell parameter as text: a hyphen starting a capitalised word, not inside a hyphenated word.</summary>
    [GeneratedRegex(@"(?<![\w-])-[A-Z][A-Za-z]+")]
    private static partial Regex ParameterName();
}
