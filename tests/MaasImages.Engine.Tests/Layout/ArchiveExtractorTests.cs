using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Tests.Support;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>Safe tar.xz extraction on the real sample archives and on hostile and damaged ones made here.</summary>
public sealed class ArchiveExtractorTests : IDisposable
{
    private readonly TempStream _work = new();

    public void Dispose() => _work.Dispose();

    private static string Sample(string relative) => Path.Combine(RepoPaths.SampleStream, relative);

    [Fact]
    public void Real_archives_unpack_to_their_regular_files_flattened()
    {
        var syslinux = ArchiveExtractor.Extract(Sample("bootloaders/pxe/i386/20250715.0/syslinux.tar.xz"), _work.PathOf("pxe"), "syslinux", ArchiveLimits.Default);
        Assert.Equal(["chain.c32", "ifcpu64.c32", "ldlinux.c32", "libcom32.c32", "libutil.c32", "lpxelinux.0", "menu.c32", "pxelinux.0", "vesamenu.c32"],
            syslinux.Order(StringComparer.Ordinal));
        // grub/bootppc64.bin is flattened; the grub/ folder entry leaves nothing behind.
        var grub = ArchiveExtractor.Extract(Sample("bootloaders/open-firmware/ppc64el/20250715.0/grub2.tar.xz"), _work.PathOf("ppc"), "grub2", ArchiveLimits.Default);
        Assert.Equal(["bootppc64.bin"], grub);
        Assert.Equal(["bootppc64.bin"], Directory.EnumerateFileSystemEntries(_work.PathOf("ppc")).Select(Path.GetFileName));
        Assert.Equal(2884, new FileInfo(_work.PathOf("ppc/bootppc64.bin")).Length);
    }

    public static TheoryData<string> HostileKinds => new(TestArchives.HostileKinds);

    [Theory]
    [MemberData(nameof(HostileKinds))]
    public void A_hostile_archive_is_refused_whole_and_leaves_nothing(string kind)
    {
        var evil = $"evil-{Guid.NewGuid():N}.efi";
        var archive = _work.PathOf("hostile.tar.xz");
        TestArchives.Create(kind, archive, evil);
        var destination = _work.PathOf("out/extract");

        var error = Assert.Throws<UnsafeArchiveException>(() => ArchiveExtractor.Extract(archive, destination, "hostile.tar.xz", ArchiveLimits.Default));
        Assert.Equal("UnsafeArchive", error.ErrorId);
        Assert.Contains("hostile.tar.xz", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(destination), "the extraction folder is removed, with the good member in it");
        Assert.False(File.Exists(Path.Combine("/tmp", evil)));
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), evil, SearchOption.TopDirectoryOnly));
        Assert.Empty(Directory.GetFiles(_work.Root, evil, SearchOption.AllDirectories));
    }

    [Fact]
    public void A_member_over_the_size_cap_is_refused_before_it_is_written()
    {
        var destination = _work.PathOf("big");
        var error = Assert.Throws<UnsafeArchiveException>(() =>
            ArchiveExtractor.Extract(Sample("bootloaders/pxe/i386/20250715.0/syslinux.tar.xz"), destination, "syslinux", new ArchiveLimits(4096, 1 << 20, 100)));
        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(destination));
    }

    [Fact]
    public void A_bad_xz_block_check_is_refused_as_corrupt()
    {
        var archive = _work.PathOf("crc.tar.xz");
        File.WriteAllBytes(archive, TestArchives.WithBadBlockCheck(Sample("bootloaders/pxe/i386/20250715.0/syslinux.tar.xz")));
        var destination = _work.PathOf("crc");
        var error = Assert.Throws<CorruptArchiveException>(() => ArchiveExtractor.Extract(archive, destination, "crc.tar.xz", ArchiveLimits.Default));
        Assert.Equal("CorruptArchive", error.ErrorId);
        Assert.False(Directory.Exists(destination));
    }

    [Fact]
    public void A_truncated_archive_is_refused_as_corrupt()
    {
        var bytes = File.ReadAllBytes(Sample("bootloaders/uefi/amd64/20250715.0/grub2-signed.tar.xz"));
        var archive = _work.PathOf("short.tar.xz");
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);
        Assert.Throws<CorruptArchiveException>(() => ArchiveExtractor.Extract(archive, _work.PathOf("short"), "short.tar.xz", ArchiveLimits.Default));
        Assert.False(Directory.Exists(_work.PathOf("short")));
    }

    [Theory]
    [InlineData("./pxelinux.0", null)]
    [InlineData("grub/bootppc64.bin", null)]
    [InlineData("/etc/passwd", "has an absolute path")]
    [InlineData("../x", "climbs out with '..'")]
    [InlineData("a/../../x", "climbs out with '..'")]
    [InlineData("a\\x", "has a backslash in its name")]
    [InlineData("C:x", "starts with a drive letter")]
    public void Member_paths_are_checked(string path, string? problem) => Assert.Equal(problem, ArchiveExtractor.CheckPath(path));
}
