using System.Security.Cryptography;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// A destination someone prepared with real symbolic links to a folder outside it: nothing
/// outside is written, renamed or deleted (the outside folder is byte-identical afterwards), and
/// the run repairs what it owns or stops with UnsafeDestination.
/// </summary>
public sealed class HostileDestinationTests : IDisposable
{
    private readonly TempStream _scratch = new();

    private string Root => _scratch.PathOf("boot-resources");
    private string Outside => _scratch.PathOf("outside");
    private string Current => Path.Combine(Root, "current");

    public HostileDestinationTests()
    {
        Directory.CreateDirectory(Root);
        _scratch.Write("outside/keep.txt", "not ours");
        _scratch.Write("outside/maas.meta", "{}");
        _scratch.Write("outside/sub/deep.txt", "deep");
        File.CreateSymbolicLink(_scratch.PathOf("outside/sub/link-back"), "../keep.txt");
    }

    public void Dispose() => _scratch.Dispose();

    private static async Task<MaasStream> OpenSample() =>
        await StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream), true, CancellationToken.None);

    private static async Task<IReadOnlyList<MaasImageVersion>> Images(string release = "noble")
    {
        var stream = await OpenSample();
        var images = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images))
            images.AddRange(await StreamClient.GetImageVersionsAsync(stream, content,
                new ImageQuery { Release = [release], Arch = ["amd64"], MaxVersions = 1 }, CancellationToken.None));
        return images;
    }

    private SaveOptions Options(SaveLayout layout = SaveLayout.Rack) =>
        new() { Destination = Root, Layout = layout, LockTimeout = TimeSpan.FromSeconds(20) };

    private async Task<RecordingObserver> Save(SaveLayout layout = SaveLayout.Rack, bool prune = false)
    {
        var observer = new RecordingObserver();
        var options = Options(layout);
        await ImageSaver.SaveAsync(await Images(), new SaveOptions { Destination = options.Destination, Layout = layout, Prune = prune, LockTimeout = options.LockTimeout },
            observer, CancellationToken.None);
        return observer;
    }

    private async Task<RecordingObserver> Install()
    {
        var observer = new RecordingObserver();
        var bootloaders = await BootloaderInstaller.SelectAsync(await OpenSample(), new BootloaderQuery(), observer.OnWarning, CancellationToken.None);
        await BootloaderInstaller.InstallAsync(bootloaders, Options(), observer, CancellationToken.None);
        return observer;
    }

    /// <summary>The snapshot <c>current</c> points to: a real folder, directly in the destination.</summary>
    private string AssertCurrentIsARealSnapshotInside()
    {
        var target = new FileInfo(Current).LinkTarget;
        Assert.NotNull(target);
        Assert.StartsWith("snapshot-", target, StringComparison.Ordinal);
        var snapshot = Path.Combine(Root, target);
        Assert.True(Directory.Exists(snapshot) && !NoFollow.IsLink(snapshot), $"{snapshot} is a real folder");
        return snapshot;
    }

    /// <summary>The lock file is taken (and left empty) before the plan that refuses: the one change allowed.</summary>
    private static SortedDictionary<string, string> WithoutLock(SortedDictionary<string, string> fingerprint)
    {
        fingerprint.Remove(Path.Combine("boot-resources", ".maasimages.lock"));
        return fingerprint;
    }

    private static List<string> LinksUnder(string folder) =>
        new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(e => e.LinkTarget is not null).Select(e => e.FullName).ToList();

    [Fact]
    public async Task Current_pointing_outside_is_never_read_or_written_and_is_replaced_by_a_fresh_snapshot()
    {
        Directory.CreateSymbolicLink(Current, Outside);
        var before = TreeFingerprint.Of(Outside);

        var saved = await Save();
        Assert.Contains(saved.Warnings, w => w.Contains("'current' points to", StringComparison.Ordinal));
        var snapshot = AssertCurrentIsARealSnapshotInside();
        Assert.False(File.Exists(Path.Combine(snapshot, "keep.txt")), "nothing carried forward from outside");
        await Install();
        AssertCurrentIsARealSnapshotInside();
        TreeFingerprint.AssertSame(before, TreeFingerprint.Of(Outside), "the folder outside");
    }

    [Fact]
    public async Task A_current_through_a_symlinked_snapshot_is_replaced_and_snapshot_links_are_unlinked_not_recursed()
    {
        Directory.CreateSymbolicLink(Path.Combine(Root, "snapshot-20200101-000000"), Outside);
        Directory.CreateSymbolicLink(Current, "snapshot-20200101-000000");
        Directory.CreateSymbolicLink(Path.Combine(Root, "snapshot-20190101-000000"), Outside); // not current: cleanup would recurse into it
        Directory.CreateSymbolicLink(Path.Combine(Root, ".building-snapshot-20190101-000000"), Outside);
        var before = TreeFingerprint.Of(Outside);

        var saved = await Save();
        Assert.Contains(saved.Warnings, w => w.Contains("itself a symbolic link", StringComparison.Ordinal));
        AssertCurrentIsARealSnapshotInside();
        foreach (var link in new[] { "snapshot-20200101-000000", "snapshot-20190101-000000", ".building-snapshot-20190101-000000" })
            Assert.False(NoFollow.IsLink(Path.Combine(Root, link)) || Directory.Exists(Path.Combine(Root, link)), $"{link} is gone");
        TreeFingerprint.AssertSame(before, TreeFingerprint.Of(Outside), "the folder outside");
    }

    [Fact]
    public async Task A_cache_that_is_a_symlink_is_UnsafeDestination_before_anything_is_written()
    {
        Directory.CreateSymbolicLink(Path.Combine(Root, "cache"), Outside);
        var before = TreeFingerprint.Of(_scratch.Root);

        var plan = Assert.Throws<UnsafeDestinationException>(() => ImageSaver.Plan(Images().Result, Options()));
        Assert.Equal("UnsafeDestination", plan.ErrorId);
        Assert.Contains("'cache' is a symbolic link", plan.Message, StringComparison.Ordinal);
        var save = await Assert.ThrowsAsync<UnsafeDestinationException>(() => Save());
        Assert.Equal(MaasErrorKind.SecurityError, save.Kind);
        await Assert.ThrowsAsync<UnsafeDestinationException>(Install);
        TreeFingerprint.AssertSame(before, WithoutLock(TreeFingerprint.Of(_scratch.Root)), "the scratch root (outside and destination)");
    }

    [Fact]
    public async Task Symlinks_inside_cache_are_removed_and_never_written_through()
    {
        await Save();
        var images = await Images();
        var squashfs = images.SelectMany(i => i.Files).First(f => f.FileType == "squashfs");
        var cached = Path.Combine(Root, "cache", squashfs.Sha256);
        File.Delete(cached);
        _scratch.Write("outside/squashfs", "wrong content, right name");
        File.CreateSymbolicLink(cached, _scratch.PathOf("outside/squashfs"));
        File.CreateSymbolicLink(cached + ".partial", _scratch.PathOf("outside/keep.txt"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "cache", ".extracting-0000"), Outside);
        Directory.CreateSymbolicLink(Path.Combine(Root, "cache", "planted"), Outside);
        var before = TreeFingerprint.Of(Outside);

        var saved = await Save();
        await Install();
        Assert.Contains(saved.Warnings, w => w.Contains("Removed the symbolic link", StringComparison.Ordinal));
        Assert.Empty(LinksUnder(Path.Combine(Root, "cache")));
        Assert.Equal(squashfs.Sha256, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(cached))).ToLowerInvariant());
        TreeFingerprint.AssertSame(before, TreeFingerprint.Of(Outside), "the folder outside");
    }

    [Fact]
    public async Task A_bootloader_folder_linked_outside_is_not_carried_forward_nor_deleted_through()
    {
        await Install();
        var snapshot = AssertCurrentIsARealSnapshotInside();
        // Outside gets a copy of the real bootloader tree: what a run following the link would delete or overwrite.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(snapshot, "bootloader"), "*", SearchOption.AllDirectories))
            _scratch.Write("outside/" + Path.GetRelativePath(Path.Combine(snapshot, "bootloader"), file), "outside copy of " + Path.GetFileName(file));
        Directory.Delete(Path.Combine(snapshot, "bootloader"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(snapshot, "bootloader"), Outside);
        File.CreateSymbolicLink(Path.Combine(snapshot, "escape.cfg"), "../../outside/keep.txt");
        var before = TreeFingerprint.Of(Outside);

        var saved = await Save();
        Assert.Contains(saved.Warnings, w => w.Contains("Not carrying forward the link 'bootloader'", StringComparison.Ordinal));
        Assert.Contains(saved.Warnings, w => w.Contains("Not carrying forward the link 'escape.cfg'", StringComparison.Ordinal));
        await Install();
        var repaired = AssertCurrentIsARealSnapshotInside();
        Assert.False(NoFollow.IsLink(Path.Combine(repaired, "bootloader")));
        Assert.True(File.Exists(Path.Combine(repaired, "bootloader", "pxe", "i386", "lpxelinux.0")));
        Assert.All(LinksUnder(repaired), link => Assert.StartsWith(repaired, new FileInfo(link).ResolveLinkTarget(true)!.FullName, StringComparison.Ordinal));
        TreeFingerprint.AssertSame(before, TreeFingerprint.Of(Outside), "the folder outside");
    }

    [Fact]
    public async Task A_lock_file_or_temporary_file_linked_outside_is_replaced_not_written_through()
    {
        File.CreateSymbolicLink(Path.Combine(Root, ".maasimages.lock"), _scratch.PathOf("outside/keep.txt"));
        File.CreateSymbolicLink(Path.Combine(Root, ".maasimages-metadata.json.partial"), _scratch.PathOf("outside/maas.meta"));
        var before = TreeFingerprint.Of(Outside);
        await Save();
        AssertCurrentIsARealSnapshotInside();
        TreeFingerprint.AssertSame(before, TreeFingerprint.Of(Outside), "the folder outside");
    }

    [Fact]
    public async Task Mirror_refuses_a_folder_linked_outside_and_replaces_file_links()
    {
        Directory.CreateSymbolicLink(Path.Combine(Root, "noble"), Outside);
        var before = TreeFingerprint.Of(_scratch.Root);
        var error = await Assert.ThrowsAsync<UnsafeDestinationException>(() => Save(SaveLayout.Mirror));
        Assert.Contains("'noble' is a symbolic link", error.Message, StringComparison.Ordinal);
        TreeFingerprint.AssertSame(before, WithoutLock(TreeFingerprint.Of(_scratch.Root)), "the scratch root (outside and destination)");

        File.Delete(Path.Combine(Root, "noble"));
        await Save(SaveLayout.Mirror);
        var squashfs = (await Images()).SelectMany(i => i.Files).First(f => f.FileType == "squashfs");
        var local = Path.Combine(Root, squashfs.Path);
        File.Delete(local);
        _scratch.Write("outside/squashfs", "wrong");
        File.CreateSymbolicLink(local, _scratch.PathOf("outside/squashfs"));
        File.CreateSymbolicLink(local + ".partial", _scratch.PathOf("outside/keep.txt"));
        // A state file that names a path outside: -Prune must never delete it.
        var statePath = Path.Combine(Root, ".maasimages-mirror.json");
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        state["../outside/keep.txt"] = state.First().Value!.DeepClone();
        File.WriteAllText(statePath, state.ToJsonString());
        before = TreeFingerprint.Of(Outside);

        await Save(SaveLayout.Mirror, prune: true);
        Assert.False(NoFollow.IsLink(local));
        Assert.Equal(squashfs.Sha256, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(local))).ToLowerInvariant());
        Assert.DoesNotContain("../outside", File.ReadAllText(statePath), StringComparison.Ordinal);
        TreeFingerprint.AssertSame(before, TreeFingerprint.Of(Outside), "the folder outside");
    }
}
