using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Tests.Streams;

public sealed class StreamSourceTests
{
    [Fact]
    public void A_name_alone_is_a_stream_of_images_maas_io()
    {
        var source = StreamSource.Resolve("candidate", null);
        Assert.Equal(new Uri("https://images.maas.io/ephemeral-v3/candidate/"), source.Root);
        Assert.Null(source.IndexPath);
        Assert.Equal("candidate", source.Name);
        Assert.Equal(new Uri("https://images.maas.io/ephemeral-v3/stable/"), StreamSource.Resolve(null, null).Root);
    }

    [Theory]
    [InlineData("https://mirror.example/maas/stable", "https://mirror.example/maas/stable/", null)]
    [InlineData("http://mirror.example/maas/stable/streams/v1/index.sjson", "http://mirror.example/maas/stable/", "streams/v1/index.sjson")]
    [InlineData("http://mirror.example/custom/my-index.json", "http://mirror.example/custom/", "my-index.json")]
    [InlineData("file:///srv/mirror/streams/v1/index.json", "file:///srv/mirror/", "streams/v1/index.json")]
    [InlineData("http://mirror.example/maas/stable/streams/v1/", "http://mirror.example/maas/stable/", null)]
    [InlineData("http://mirror.example/maas/stable/streams/v1", "http://mirror.example/maas/stable/", null)]
    [InlineData("file:///srv/mirror/streams/v1/", "file:///srv/mirror/", null)]
    public void A_source_names_a_root_or_an_index(string source, string root, string? index)
    {
        var resolved = StreamSource.Resolve(null, source);
        Assert.Equal(new Uri(root), resolved.Root);
        Assert.Equal(index, resolved.IndexPath);
    }

    [Theory]
    [InlineData("127.0.0.1:18300")]
    [InlineData("mirror.example:8080/maas/stable/")]
    [InlineData("localhost:80")]
    [InlineData("[::1]:8080/stable")]
    public void A_host_and_port_without_a_scheme_asks_for_one(string source)
    {
        var error = Assert.Throws<MaasImages.Engine.Errors.InvalidArgumentException>(() => StreamSource.Resolve(null, source));
        Assert.Equal("InvalidSource", error.ErrorId);
        Assert.Contains("add http:// or https://", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'http://{source}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_streams_v1_folder_is_read_as_its_stream_root()
    {
        var root = Path.Combine(Path.GetTempPath(), "mirror");
        var source = StreamSource.Resolve(null, Path.Combine(root, "streams", "v1"));
        Assert.Equal(root + Path.DirectorySeparatorChar, source.Root.LocalPath);
        Assert.Null(source.IndexPath);
    }

    [Fact]
    public void A_folder_becomes_a_file_url_and_paths_with_colons_are_escaped()
    {
        var folder = Path.Combine(Path.GetTempPath(), "some mirror");
        var source = StreamSource.Resolve(null, folder);
        Assert.True(source.IsLocal);
        Assert.Equal(folder + Path.DirectorySeparatorChar, source.Root.LocalPath);
        var uri = source.Resolve("streams/v1/com.ubuntu.maas:stable:v3:download.json");
        Assert.Equal(Path.Combine(folder, "streams", "v1", "com.ubuntu.maas:stable:v3:download.json"), uri.LocalPath);
    }

    [Theory]
    [InlineData("Thu, 24 Jul 2025 08:01:49 +0000", "2025-07-24T08:01:49+00:00")]
    [InlineData("Mon, 3 Feb 2025 23:00:00 -0130", "2025-02-03T23:00:00-01:30")]
    [InlineData("24 Jul 2025 08:01:49 GMT", "2025-07-24T08:01:49+00:00")]
    public void Rfc2822_dates_parse(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), StreamIndexParser.ParseUpdated(text));
    }

    [Theory]
    [InlineData("jammy", "JAMMY", true)]
    [InlineData("ga-*", "ga-22.04", true)]
    [InlineData("ga-*", "hwe-22.04", false)]
    [InlineData("2?.04", "22.04", true)]
    [InlineData("[jn]*", "noble", true)]
    [InlineData("[jn]*", "focal", false)]
    [InlineData("22.04", "22x04", false)]
    public void Wildcards_match_like_powershell(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, new WildcardMatcher(pattern).IsMatch(value));
    }
}
