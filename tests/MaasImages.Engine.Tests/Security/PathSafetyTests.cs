using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Tests.Security;

public sealed class PathSafetyTests
{
    [Theory]
    [InlineData("jammy/amd64/20250718/squashfs")]
    [InlineData("streams/v1/com.ubuntu.maas:stable:v3:download.sjson")]
    [InlineData("bootloaders/uefi/amd64/20250715.0/shim-signed.tar.xz")]
    [InlineData("a..b/c")]
    public void Safe_relative_paths_pass(string path) => Assert.Null(PathSafety.FindProblem(path));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("..", "'..'")]
    [InlineData("a/../../b", "'..'")]
    [InlineData("a\\b", "backslash")]
    [InlineData("C:/x", "drive letter")]
    [InlineData("c:x", "drive letter")]
    [InlineData("a//b", "empty segment")]
    [InlineData("a/b/", "empty segment")]
    [InlineData("./a", "'.'")]
    [InlineData("http://evil/x", "URL")]
    [InlineData("a/b\u0001c/d", "control character U+0001")]
    [InlineData("a/b\nc", "control character U+000A")]
    [InlineData("a/b./c", "ends with a dot")]
    [InlineData("a/b ", "ends with a dot or a space")]
    public void Unsafe_paths_are_named(string path, string reason)
    {
        Assert.Contains(reason, PathSafety.FindProblem(path), StringComparison.Ordinal);
        var error = Assert.Throws<UnsafePathException>(() => PathSafety.EnsureSafe(path, "doc.json"));
        Assert.Contains("doc.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ubuntu")]
    [InlineData("ga-22.04-lowlatency")]
    [InlineData("com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04")]
    [InlineData("20250715.0")]
    [InlineData("root-image.gz")]
    public void Safe_names_pass(string name) => Assert.Null(PathSafety.FindSegmentProblem(name));

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "empty")]
    [InlineData(".", "'.'")]
    [InlineData("..", "'..'")]
    [InlineData("../../..", "slash")]
    [InlineData("/etc", "slash")]
    [InlineData("a\\b", "backslash")]
    [InlineData("C:x", "drive letter")]
    [InlineData("a\0b", "control character U+0000")]
    [InlineData("a\u007f", "control character U+007F")]
    [InlineData("a.", "ends with a dot")]
    [InlineData("a ", "ends with a dot or a space")]
    public void Unsafe_names_are_refused_naming_document_product_and_property(string? name, string reason)
    {
        Assert.Contains(reason, PathSafety.FindSegmentProblem(name), StringComparison.Ordinal);
        var error = Assert.Throws<UnsafePathException>(() => PathSafety.EnsureSafeSegment(name, "doc.json", "p1", "label"));
        Assert.Equal("UnsafePath", error.ErrorId);
        Assert.Contains("'doc.json'", error.Message, StringComparison.Ordinal);
        Assert.Contains("of product 'p1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("label '", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', error.Message);
    }
}
