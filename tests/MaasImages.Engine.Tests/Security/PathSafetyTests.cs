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
    public void Unsafe_paths_are_named(string path, string reason)
    {
        Assert.Contains(reason, PathSafety.FindProblem(path), StringComparison.Ordinal);
        var error = Assert.Throws<UnsafePathException>(() => PathSafety.EnsureSafe(path, "doc.json"));
        Assert.Contains("doc.json", error.Message, StringComparison.Ordinal);
    }
}
