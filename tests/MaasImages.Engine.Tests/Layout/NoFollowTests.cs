using MaasImages.Engine.Platform;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>The one no-follow recursive delete every cleanup uses, on real symbolic links.</summary>
public sealed class NoFollowTests : IDisposable
{
    private readonly TempStream _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void DeleteTree_unlinks_links_and_never_descends_into_them()
    {
        _scratch.Write("outside/keep.txt", "not ours");
        _scratch.Write("outside/sub/deep.txt", "deep");
        _scratch.Write("tree/a/file.txt", "ours");
        Directory.CreateSymbolicLink(_scratch.PathOf("tree/a/to-folder"), _scratch.PathOf("outside"));
        Directory.CreateSymbolicLink(_scratch.PathOf("tree/a/relative-folder"), "../../outside/sub");
        File.CreateSymbolicLink(_scratch.PathOf("tree/to-file"), _scratch.PathOf("outside/keep.txt"));
        File.CreateSymbolicLink(_scratch.PathOf("tree/dangling"), _scratch.PathOf("nowhere"));
        var before = TreeFingerprint.Of(_scratch.PathOf("outside"));

        NoFollow.DeleteTree(_scratch.PathOf("tree"));

        Assert.False(Directory.Exists(_scratch.PathOf("tree")));
        TreeFingerprint.AssertSame(before, TreeFingerprint.Of(_scratch.PathOf("outside")), "the folder outside");
    }

    [Fact]
    public void DeleteTree_on_a_link_removes_the_link_only_and_an_absent_path_is_nothing()
    {
        _scratch.Write("outside/keep.txt", "not ours");
        Directory.CreateSymbolicLink(_scratch.PathOf("snapshot-x"), _scratch.PathOf("outside"));
        NoFollow.DeleteTree(_scratch.PathOf("snapshot-x"));
        Assert.False(NoFollow.IsLink(_scratch.PathOf("snapshot-x")));
        Assert.Equal("not ours", File.ReadAllText(_scratch.PathOf("outside/keep.txt")));
        NoFollow.DeleteTree(_scratch.PathOf("absent"));
    }

    [Fact]
    public void FindLinkBelow_names_the_first_linked_folder_on_the_way()
    {
        Directory.CreateDirectory(_scratch.PathOf("root/real/deeper"));
        Directory.CreateSymbolicLink(_scratch.PathOf("root/real/linked"), _scratch.PathOf("root"));
        var root = _scratch.PathOf("root");
        Assert.Null(NoFollow.FindLinkBelow(root, _scratch.PathOf("root/real/deeper/file")));
        Assert.Null(NoFollow.FindLinkBelow(root, _scratch.PathOf("root/file")));
        Assert.Equal(_scratch.PathOf("root/real/linked"), NoFollow.FindLinkBelow(root, _scratch.PathOf("root/real/linked/x/file")));
        Assert.Equal(_scratch.PathOf("elsewhere/file"), NoFollow.FindLinkBelow(root, _scratch.PathOf("elsewhere/file")));
    }
}
