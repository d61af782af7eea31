using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>Install-MaasBootloader's engine on the sample stream over HTTP: real archives, the rack tree, links, hostile input.</summary>
public sealed class BootloaderLayoutTests : IAsyncLifetime
{
    private const string SyslinuxI386 = "bootloaders/pxe/i386/20250715.0/syslinux.tar.xz";
    private readonly TempStream _served = TempStream.OfSample();
    private readonly TempStream _target = new();
    private StreamServer _server = null!;

    public async Task InitializeAsync()
    {
        // An editable copy: tests rewrite the products document, so it goes unsigned.
        foreach (var signed in Directory.GetFiles(_served.PathOf("streams/v1"), "*.*").Where(f => f.EndsWith(".sjson", StringComparison.Ordinal) || f.EndsWith(".gpg", StringComparison.Ordinal)))
            File.Delete(signed);
        _server = await StreamServer.StartAsync(_served.Root);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _served.Dispose();
        _target.Dispose();
    }

    private string Root => _target.Root;
    private string Current => Path.Combine(Root, "current");

    private async Task<MaasStream> OpenStream() =>
        await StreamClient.OpenAsync(StreamSource.Resolve(null, _server.BaseUri.AbsoluteUri), true, CancellationToken.None);

    private async Task<IReadOnlyList<MaasImageVersion>> Select(BootloaderQuery? query = null, RecordingObserver? observer = null) =>
        await BootloaderInstaller.SelectAsync(await OpenStream(), query ?? new BootloaderQuery(), (observer ?? new RecordingObserver()).OnWarning, CancellationToken.None);

    private SaveOptions Options(SaveLayout layout = SaveLayout.Rack, bool force = false, bool prune = false) => new()
    {
        Destination = Root,
        Layout = layout,
        Force = force,
        Prune = prune,
        Transfer = new TransferOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(20), StallTimeout = TimeSpan.FromSeconds(2), MaxAttempts = 2 },
        LockTimeout = TimeSpan.FromSeconds(20),
    };

    private async Task<IReadOnlyList<MaasBootloader>> Install(BootloaderQuery? query = null, SaveOptions? options = null, RecordingObserver? observer = null) =>
        await BootloaderInstaller.InstallAsync(await Select(query), options ?? Options(), observer ?? new RecordingObserver(), CancellationToken.None);

    /// <summary>src/provisioningserver/boot/ipxe.py CONFIG_FILE, MAAS tag 3.4.10 (3.4.1 onwards).</summary>
    private const string MaasIpxeCfg = """
        #!ipxe
        # MAAS iPXE pre-loader configuration file

        # Load based on MAC address first.
        chain http://${next-server}:5248/ipxe.cfg-${mac} ||

        # Failed to load based on MAC address.
        chain http://${next-server}:5248/ipxe.cfg-default-amd64

        """;

    /// <summary>src/provisioningserver/boot/grub.py CONFIG_FILE, MAAS tag 3.4.10: it opens with an empty line.</summary>
    private const string MaasGrubCfg = """

        # MAAS GRUB2 pre-loader configuration file

        # Load based on MAC address first.
        configfile /grub/grub.cfg-${net_default_mac}

        # Failed to load based on MAC address. Load based on the CPU
        # architecture.
        configfile /grub/grub.cfg-default-${grub_cpu}

        """;

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Serves <paramref name="bytes"/> as the pxe/i386 syslinux archive, with the products document saying so.</summary>
    private void ServeAsSyslinux(byte[] bytes)
    {
        File.WriteAllBytes(_served.PathOf(SyslinuxI386), bytes);
        _served.EditJson(TempStream.BootloaderProducts, doc =>
        {
            var item = doc["products"]!["com.ubuntu.maas.stable:1:pxelinux:pxe:i386"]!["versions"]!["20250715.0"]!["items"]!["syslinux"]!;
            item["sha256"] = Sha256(bytes);
            item["size"] = bytes.Length;
        });
    }

    private static readonly string[] TableNames =
        ["lpxelinux.0", "chain.c32", "ifcpu64.c32", "ldlinux.c32", "libcom32.c32", "libutil.c32", "syslinux", "pxelinux.0",
         "bootx64.efi", "grubx64.efi", "bootaa64.efi", "grubaa64.efi", "bootppc64.bin"];

    /// <summary>Every root link of rack-layout.md, checked with readlink: relative, the table's target, resolving to a file (syslinux: a folder).</summary>
    private static void AssertLinkTable(string folder)
    {
        foreach (var name in TableNames)
        {
            var link = Path.Combine(folder, name);
            var target = new FileInfo(link).LinkTarget;
            Assert.True(target is not null, $"{name} is a symbolic link");
            Assert.False(Path.IsPathRooted(target), $"{name} -> {target} is relative");
            var expected = name switch
            {
                "syslinux" => "bootloader/pxe/i386",
                "pxelinux.0" => "lpxelinux.0",
                "bootx64.efi" or "grubx64.efi" => $"bootloader/uefi/amd64/{name}",
                "bootaa64.efi" or "grubaa64.efi" => $"bootloader/uefi/arm64/{name}",
                "bootppc64.bin" => "bootloader/open-firmware/ppc64el/bootppc64.bin",
                _ => $"bootloader/pxe/i386/{name}",
            };
            Assert.Equal(expected, target);
            var resolved = new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)!;
            if (name == "syslinux") Assert.True(Directory.Exists(resolved.FullName), "syslinux resolves to a folder");
            else Assert.True(File.Exists(resolved.FullName) && (File.GetAttributes(resolved.FullName) & FileAttributes.Directory) == 0, $"{name} resolves to a file");
            Assert.StartsWith(Path.GetFullPath(folder), Path.GetFullPath(resolved.FullName), StringComparison.Ordinal); // never outside the tree
        }
        foreach (var none in new[] { "mmx64.efi", "mmaa64.efi", "menu.c32", "vesamenu.c32" })
            Assert.False(File.Exists(Path.Combine(folder, none)) || new FileInfo(Path.Combine(folder, none)).LinkTarget is not null, $"no root link for {none}");
    }

    [Fact]
    public async Task Default_selection_is_what_maas_installs_newest_version_each()
    {
        var selected = await Select();
        Assert.Equal(
            ["com.ubuntu.maas.stable:1:grub-efi-signed:uefi:amd64", "com.ubuntu.maas.stable:1:grub-efi:uefi:arm64",
             "com.ubuntu.maas.stable:1:grub-ieee1275:open-firmware:ppc64el", "com.ubuntu.maas.stable:1:pxelinux:pxe:i386"],
            selected.Select(s => s.ProductName));
        Assert.All(selected, s => Assert.Equal("20250715.0", s.VersionName));
        // -All adds pxelinux pxe/amd64; -Arch matches the arches list, spaces and all ("i386, amd64").
        Assert.Contains(await Select(new BootloaderQuery { All = true }), s => s.ProductName.EndsWith(":pxe:amd64", StringComparison.Ordinal));
        Assert.Equal(["grub-efi-signed uefi/amd64", "pxelinux pxe/i386"],
            (await Select(new BootloaderQuery { Arches = ["amd64"] })).Select(s => $"{s.Os} {BootloaderSelection.TypeOf(s)}/{s.Arch}"));
        Assert.Equal(["grub-efi-signed", "grub-efi"], (await Select(new BootloaderQuery { Types = ["uefi"] })).Select(s => s.Os));
    }

    [Fact]
    public async Task Rack_install_extracts_real_archives_into_a_new_snapshot_with_configs_meta_and_links()
    {
        var installed = await Install();
        Assert.Equal(4, installed.Count);
        var snapshot = Path.Combine(Root, new FileInfo(Current).LinkTarget!);
        Assert.Matches(@"snapshot-\d{8}-\d{6}$", snapshot);

        var expectedFiles = new Dictionary<string, string[]>
        {
            ["bootloader/pxe/i386"] = ["chain.c32", "ifcpu64.c32", "ldlinux.c32", "libcom32.c32", "libutil.c32", "lpxelinux.0", "menu.c32", "pxelinux.0", "vesamenu.c32"],
            ["bootloader/uefi/amd64"] = ["bootx64.efi", "grubx64.efi", "mmx64.efi"], // both archives, one folder
            ["bootloader/uefi/arm64"] = ["bootaa64.efi", "grubaa64.efi", "mmaa64.efi"],
            ["bootloader/open-firmware/ppc64el"] = ["bootppc64.bin"], // flattened from grub/
        };
        Assert.Equal(["open-firmware", "pxe", "uefi"], Directory.GetDirectories(Path.Combine(Current, "bootloader")).Select(Path.GetFileName).Order());
        foreach (var (folder, files) in expectedFiles)
        {
            Assert.Equal(files, Directory.GetFileSystemEntries(Path.Combine(Current, folder)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var bootloader = installed.Single(b => $"bootloader/{b.Type}/{b.Arch}" == folder);
            Assert.Equal(Path.Combine(snapshot, folder), bootloader.Path);
            Assert.Equal(files.Length, bootloader.Files.Count);
            // Each file is a hard link to cache/<member>-<archive sha256>.
            foreach (var file in bootloader.Files)
            {
                var cached = Directory.GetFiles(Path.Combine(Root, "cache"), Path.GetFileName(file) + "-*");
                Assert.Contains(cached, c => NativeFileSystem.IsSameFile(c, file));
            }
        }
        // The member bytes are the archive's (tar agrees).
        var fromTar = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("tar", ["-xJOf", _served.PathOf(SyslinuxI386), "lpxelinux.0"]) { RedirectStandardOutput = true })!;
        using (var bytes = new MemoryStream())
        {
            await fromTar.StandardOutput.BaseStream.CopyToAsync(bytes);
            await fromTar.WaitForExitAsync();
            Assert.Equal(bytes.ToArray(), File.ReadAllBytes(Path.Combine(Current, "bootloader/pxe/i386/lpxelinux.0")));
        }

        // MAAS 3.4's own bytes (ipxe.py and grub.py CONFIG_FILE, tag 3.4.10).
        Assert.Equal(Encoding.ASCII.GetBytes(MaasIpxeCfg.ReplaceLineEndings("\n")), File.ReadAllBytes(Path.Combine(Current, "ipxe.cfg")));
        Assert.Equal(Encoding.ASCII.GetBytes(MaasGrubCfg.ReplaceLineEndings("\n")), File.ReadAllBytes(Path.Combine(Current, "grub/grub.cfg")));

        // maas.meta: <os>.<arch>.generic.bootloader.<bootloader-type>.<label>, one sorted line.
        var text = File.ReadAllText(Path.Combine(Current, "maas.meta"));
        Assert.DoesNotContain('\n', text);
        using var meta = JsonDocument.Parse(text);
        var entry = meta.RootElement.GetProperty("grub-efi-signed").GetProperty("amd64").GetProperty("generic").GetProperty("bootloader").GetProperty("uefi").GetProperty("stable");
        Assert.Equal(["bootloader-type", "content_id", "path", "product_name", "version_name"], entry.EnumerateObject().Select(p => p.Name));
        Assert.Equal("bootloaders/uefi/amd64/20250715.0/shim-signed.tar.xz", entry.GetProperty("path").GetString()); // the last item, as MAAS sets it
        Assert.Equal("uefi", entry.GetProperty("bootloader-type").GetString());
        Assert.Equal("com.ubuntu.maas.stable:1:grub-efi-signed:uefi:amd64", entry.GetProperty("product_name").GetString());
        Assert.Equal("20250715.0", entry.GetProperty("version_name").GetString());
        Assert.Equal("com.ubuntu.maas:stable:1:bootloader-download", entry.GetProperty("content_id").GetString());
        Assert.True(meta.RootElement.GetProperty("pxelinux").GetProperty("i386").GetProperty("generic").GetProperty("bootloader").TryGetProperty("pxe", out _));
        Assert.False(meta.RootElement.GetProperty("pxelinux").TryGetProperty("amd64", out _));

        AssertLinkTable(Current);
        // The archives were only a means: cache holds the members, no archive, no leftovers.
        Assert.All(Directory.GetFileSystemEntries(Path.Combine(Root, "cache")), c => Assert.Matches(@"^[\w.]+-[0-9a-f]{64}$", Path.GetFileName(c)));
    }

    [Fact]
    public async Task A_second_install_changes_nothing_and_fetches_nothing()
    {
        await Install();
        var snapshot = new FileInfo(Current).LinkTarget;
        _server.ResetCounters();
        var observer = new RecordingObserver();
        var again = await Install(observer: observer);
        Assert.Equal(snapshot, new FileInfo(Current).LinkTarget);
        Assert.DoesNotContain(_server.Requests, r => r.Path.Contains(".tar.xz", StringComparison.Ordinal));
        Assert.Contains(observer.Messages, m => m.StartsWith("Nothing changed", StringComparison.Ordinal));
        Assert.Equal(4, again.Count);
        Assert.True(BootloaderInstaller.Plan(await Select(), Options()).NothingChanged);
        Assert.All(BootLinkMaker.Make(Current, force: false, _ => { }), l => Assert.Equal(BootLinkStatus.Unchanged, l.Status));
    }

    [Fact]
    public async Task Force_fetches_and_unpacks_again_into_a_new_snapshot()
    {
        await Install(new BootloaderQuery { Types = ["open-firmware"] });
        var before = new FileInfo(Current).LinkTarget;
        var member = Path.Combine(Current, "bootloader/open-firmware/ppc64el/bootppc64.bin");
        var bytes = File.ReadAllBytes(member);
        _server.ResetCounters();
        await Install(new BootloaderQuery { Types = ["open-firmware"] }, Options(force: true));
        Assert.NotEqual(before, new FileInfo(Current).LinkTarget);
        Assert.Contains(_server.Requests, r => r.Path.EndsWith("grub2.tar.xz", StringComparison.Ordinal));
        Assert.Equal(bytes, File.ReadAllBytes(member));
        Assert.Equal("bootloader/open-firmware/ppc64el/bootppc64.bin", new FileInfo(Path.Combine(Current, "bootppc64.bin")).LinkTarget);
    }

    [Fact]
    public async Task An_archive_left_in_the_cache_by_an_interrupted_run_is_unpacked_without_fetching_it_again()
    {
        // As if a run was killed after the download, half-way through unpacking.
        var archive = (await Select(new BootloaderQuery { Types = ["pxe"] })).SelectMany(BootloaderSelection.Archives).Single();
        var cache = Directory.CreateDirectory(Path.Combine(Root, "cache")).FullName;
        File.Copy(_served.PathOf(archive.Path), Path.Combine(cache, archive.Sha256));
        File.WriteAllText(Path.Combine(cache, $"chain.c32-{archive.Sha256}"), "half written");
        Directory.CreateDirectory(Path.Combine(cache, $".extracting-{archive.Sha256}-0123"));
        _server.ResetCounters();

        var installed = await Install(new BootloaderQuery { Types = ["pxe"] });
        Assert.DoesNotContain(_server.Requests, r => r.Path.EndsWith(".tar.xz", StringComparison.Ordinal));
        Assert.Equal(9, installed.Single().Files.Count);
        Assert.NotEqual("half written", File.ReadAllText(Path.Combine(Current, "bootloader/pxe/i386/chain.c32")));
        Assert.Empty(Directory.GetDirectories(cache));
        Assert.False(File.Exists(Path.Combine(cache, archive.Sha256)), "unpacked, the archive goes");
    }

    [Fact]
    public async Task Images_and_bootloaders_make_the_tree_of_rack_layout_md_and_later_saves_keep_the_bootloaders()
    {
        var stream = await OpenStream();
        var images = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images))
            images.AddRange(await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery { Release = ["jammy"], Arch = ["amd64"], MaxVersions = 1 }, CancellationToken.None));
        await ImageSaver.SaveAsync(images, Options(), new RecordingObserver(), CancellationToken.None);
        await Install();
        var links = BootLinkMaker.Make(Current, force: false, _ => { });
        Assert.All(links, l => Assert.Equal(BootLinkStatus.Unchanged, l.Status)); // Install made them before switching

        // current/ entry for entry (rack-layout.md "Tree" and "Root-level links").
        var expected = new[] { "bootloader/", "grub/", "ipxe.cfg", "maas.meta", "ubuntu/" }.Concat(TableNames.Select(n => n + "@")).Order(StringComparer.Ordinal);
        Assert.Equal(expected, Describe(Current));
        Assert.Equal(["grub.cfg"], Directory.GetFileSystemEntries(Path.Combine(Current, "grub")).Select(Path.GetFileName));
        Assert.Equal(["amd64/"], Describe(Path.Combine(Current, "ubuntu")));
        Assert.Equal(["ga-22.04-lowlatency/", "ga-22.04/", "generic/", "hwe-22.04/"], Describe(Path.Combine(Current, "ubuntu", "amd64")));
        Assert.Equal(["boot-initrd", "boot-kernel", "squashfs"], Describe(Path.Combine(Current, "ubuntu/amd64/ga-22.04/jammy/stable")));
        Assert.Equal(["amd64/", "arm64/"], Describe(Path.Combine(Current, "bootloader/uefi")));
        Assert.Single(Directory.GetDirectories(Root, "snapshot-*"));
        using (var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Current, "maas.meta"))))
            Assert.Equal(["grub-efi", "grub-efi-signed", "grub-ieee1275", "pxelinux", "ubuntu"], meta.RootElement.EnumerateObject().Select(p => p.Name));

        // A later Save-MaasImage (even with -Prune) builds a new snapshot that carries bootloaders, configs and links forward.
        var noble = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images))
            noble.AddRange(await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery { Release = ["noble"], Arch = ["amd64"], MaxVersions = 1 }, CancellationToken.None));
        var before = new FileInfo(Current).LinkTarget;
        await ImageSaver.SaveAsync(noble, Options(prune: true), new RecordingObserver(), CancellationToken.None);
        Assert.NotEqual(before, new FileInfo(Current).LinkTarget);
        Assert.Single(Directory.GetDirectories(Root, "snapshot-*"));
        AssertLinkTable(Current);
        Assert.True(File.Exists(Path.Combine(Current, "ipxe.cfg")) && File.Exists(Path.Combine(Current, "grub/grub.cfg")));
        Assert.Equal(9, Directory.GetFiles(Path.Combine(Current, "bootloader/pxe/i386")).Length);
        using (var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Current, "maas.meta"))))
            Assert.Equal(["grub-efi", "grub-efi-signed", "grub-ieee1275", "pxelinux", "ubuntu"], meta.RootElement.EnumerateObject().Select(p => p.Name));
        // Bootloader members are still referenced, so the cache cleanup kept them.
        Assert.All(Directory.GetFiles(Path.Combine(Root, "cache")), c => Assert.True(NativeFileSystem.GetLinkCount(c) > 1, $"{c} is referenced"));
        Assert.Equal(16, Directory.GetFiles(Path.Combine(Root, "cache"), "*-*").Length); // 9 pxe + 3 + 3 uefi + 1 ppc64el members
    }

    /// <summary>Entries of a folder: "name/" for folders, "name@" for symbolic links, "name" for files.</summary>
    private static IEnumerable<string> Describe(string folder) =>
        new DirectoryInfo(folder).EnumerateFileSystemInfos()
            .Select(e => e.LinkTarget is not null ? e.Name + "@" : e is DirectoryInfo ? e.Name + "/" : e.Name)
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> HostileKinds => new(TestArchives.HostileKinds);

    [Theory]
    [MemberData(nameof(HostileKinds))]
    public async Task A_hostile_archive_is_refused_and_the_tree_stays_as_it_was(string kind)
    {
        await Install(new BootloaderQuery { Types = ["uefi"] }); // a tree to keep intact
        var before = new FileInfo(Current).LinkTarget;
        var entriesBefore = Directory.GetFileSystemEntries(Root, "*", SearchOption.AllDirectories).Order().ToList();

        var evil = $"evil-{Guid.NewGuid():N}.efi";
        var archive = Path.Combine(_target.Root, "..", $"hostile-{Guid.NewGuid():N}.tar.xz");
        TestArchives.Create(kind, archive, evil);
        ServeAsSyslinux(File.ReadAllBytes(archive));
        File.Delete(archive);

        var observer = new RecordingObserver();
        Assert.Empty(await Install(new BootloaderQuery { Types = ["pxe"] }, observer: observer));
        var failure = Assert.IsType<ItemNotSavedException>(Assert.Single(observer.Failures));
        Assert.Equal("UnsafeArchive", failure.ErrorId);
        Assert.IsType<UnsafeArchiveException>(failure.InnerException);
        Assert.Equal("i386", failure.Item.Arch);
        Assert.Contains(SyslinuxI386, failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, new FileInfo(Current).LinkTarget);
        // Nothing from it anywhere: not in the tree (not even the good member, nor the archive), not beside it, not in /tmp.
        Assert.Equal(entriesBefore, Directory.GetFileSystemEntries(Root, "*", SearchOption.AllDirectories).Order());
        Assert.Empty(Directory.GetFiles(Root, "a.efi*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Root, evil + "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Root)!, evil + "*", SearchOption.TopDirectoryOnly));
        Assert.False(File.Exists(Path.Combine("/tmp", evil)));
        Assert.Empty(Directory.GetFiles(Path.Combine(Root, "cache"), "*.tar.xz"));
        Assert.False(File.Exists(Path.Combine(Root, "cache", Sha256(File.ReadAllBytes(_served.PathOf(SyslinuxI386))))), "the refused archive is not kept");
        Assert.Empty(Directory.GetDirectories(Path.Combine(Root, "cache")));
    }

    [Fact]
    public async Task A_corrupted_archive_with_a_bad_xz_check_is_refused()
    {
        ServeAsSyslinux(TestArchives.WithBadBlockCheck(_served.PathOf(SyslinuxI386)));
        var observer = new RecordingObserver();
        var installed = await Install(observer: observer);
        // Only its bootloader fails: the others are installed.
        var failure = Assert.IsType<ItemNotSavedException>(Assert.Single(observer.Failures));
        Assert.Equal("CorruptArchive", failure.ErrorId);
        Assert.Equal(MaasErrorKind.InvalidData, failure.Kind);
        Assert.Equal("pxe", BootloaderSelection.TypeOf(failure.Item));
        Assert.Equal(["open-firmware/ppc64el", "uefi/amd64", "uefi/arm64"], installed.Select(b => $"{b.Type}/{b.Arch}").Order());
        Assert.False(Directory.Exists(Path.Combine(Current, "bootloader/pxe")));
        Assert.True(Directory.Exists(Path.Combine(Current, "bootloader/uefi/amd64")));
        Assert.DoesNotContain("pxelinux", File.ReadAllText(Path.Combine(Current, "maas.meta")), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(Root, "cache"), "lpxelinux.0*"));
    }

    [Fact]
    public async Task An_oversized_member_is_refused()
    {
        var observer = new RecordingObserver();
        Assert.Empty(await BootloaderInstaller.InstallAsync(await Select(new BootloaderQuery { Types = ["pxe"] }), Options(), observer,
            new ArchiveLimits(MaxMemberSize: 4096, MaxTotalSize: 1 << 20, MaxMembers: 100), CancellationToken.None));
        var failure = Assert.Single(observer.Failures);
        Assert.Equal("UnsafeArchive", failure.ErrorId);
        Assert.Contains("limit", failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Current));
        Assert.Empty(Directory.GetFiles(Path.Combine(Root, "cache")));
    }

    [Fact]
    public async Task Only_some_types_installed_leaves_the_other_links_out_with_a_warning_but_pxelinux_0_always()
    {
        var observer = new RecordingObserver();
        await Install(new BootloaderQuery { Types = ["uefi"] }, observer: observer);
        Assert.Contains(observer.Warnings, w => w.Contains("lpxelinux.0", StringComparison.Ordinal) && w.Contains("bootppc64.bin", StringComparison.Ordinal));
        Assert.Equal("lpxelinux.0", new FileInfo(Path.Combine(Current, "pxelinux.0")).LinkTarget);
        Assert.Null(new FileInfo(Path.Combine(Current, "lpxelinux.0")).LinkTarget);
        Assert.Equal("bootloader/uefi/amd64/bootx64.efi", new FileInfo(Path.Combine(Current, "bootx64.efi")).LinkTarget);

        var warnings = new List<string>();
        var links = BootLinkMaker.Make(Current, force: false, warnings.Add);
        Assert.Equal(BootLinkStatus.Missing, links.Single(l => l.Name == "bootppc64.bin").Status);
        Assert.Equal(BootLinkStatus.Unchanged, links.Single(l => l.Name == "pxelinux.0").Status);
        Assert.Contains(warnings, w => w.Contains("'syslinux'", StringComparison.Ordinal));

        // Then pxe too: the new snapshot keeps uefi and gains the pxe links.
        await Install(new BootloaderQuery { Types = ["pxe", "open-firmware"] });
        AssertLinkTable(Current);
    }

    [Fact]
    public async Task Links_are_created_updated_and_left_alone_and_a_file_in_the_way_needs_force()
    {
        await Install();
        var folder = Path.Combine(Root, new FileInfo(Current).LinkTarget!);
        File.Delete(Path.Combine(folder, "bootx64.efi"));
        File.Delete(Path.Combine(folder, "grubx64.efi"));
        File.CreateSymbolicLink(Path.Combine(folder, "grubx64.efi"), "bootloader/uefi/amd64/mmx64.efi");
        File.Delete(Path.Combine(folder, "bootaa64.efi"));
        File.WriteAllText(Path.Combine(folder, "bootaa64.efi"), "a hand-copied bootloader");
        Directory.Delete(Path.Combine(folder, "syslinux"));
        Directory.CreateDirectory(Path.Combine(folder, "syslinux"));

        var occupied = Assert.Throws<LinkPathOccupiedException>(() => BootLinkMaker.Make(Current, force: false, _ => { }));
        Assert.Equal("LinkPathOccupied", occupied.ErrorId);
        Assert.Equal(["syslinux", "bootaa64.efi"], occupied.Names);
        Assert.False(File.Exists(Path.Combine(folder, "bootx64.efi")), "nothing changes when refused");
        Assert.Equal("a hand-copied bootloader", File.ReadAllText(Path.Combine(folder, "bootaa64.efi")));

        var links = BootLinkMaker.Make(Current, force: true, _ => { }).ToDictionary(l => l.Name, l => l.Status);
        Assert.Equal(BootLinkStatus.Created, links["bootx64.efi"]);
        Assert.Equal(BootLinkStatus.Updated, links["grubx64.efi"]);
        Assert.Equal(BootLinkStatus.Updated, links["bootaa64.efi"]);
        Assert.Equal(BootLinkStatus.Updated, links["syslinux"]);
        Assert.Equal(BootLinkStatus.Unchanged, links["pxelinux.0"]);
        AssertLinkTable(folder);
        Assert.Empty(Directory.GetFileSystemEntries(folder, ".*")); // no temporary links left
    }

    [Fact]
    public async Task Install_refuses_to_switch_to_a_snapshot_whose_links_are_blocked_unless_forced()
    {
        await Install(new BootloaderQuery { Types = ["uefi"] });
        var before = new FileInfo(Current).LinkTarget;
        File.Delete(Path.Combine(Current, "bootx64.efi"));
        File.WriteAllText(Path.Combine(Current, "bootx64.efi"), "copied by hand"); // carried into the next snapshot

        await Assert.ThrowsAsync<LinkPathOccupiedException>(() => Install(new BootloaderQuery { Types = ["pxe"] }));
        Assert.Equal(before, new FileInfo(Current).LinkTarget);
        Assert.Single(Directory.GetDirectories(Root, "snapshot-*"));
        Assert.Empty(Directory.GetDirectories(Root, ".building-*"));

        await Install(new BootloaderQuery { Types = ["pxe"] }, Options(force: true));
        Assert.NotEqual(before, new FileInfo(Current).LinkTarget);
        Assert.Equal("bootloader/uefi/amd64/bootx64.efi", new FileInfo(Path.Combine(Current, "bootx64.efi")).LinkTarget);
    }

    [Fact]
    public void Symlink_refusals_become_a_clear_error_saying_how_to_enable_them()
    {
        Assert.True(SymbolicLinks.IsNotPermitted(new UnauthorizedAccessException("denied")));
        Assert.True(SymbolicLinks.IsNotPermitted(new IOException("privilege", unchecked((int)0x80070522))));
        Assert.False(SymbolicLinks.IsNotPermitted(new IOException("disk full")));
        var error = new SymbolicLinkNotPermittedException("/srv/tftp/bootx64.efi", null);
        Assert.Equal("SymbolicLinkNotPermitted", error.ErrorId);
        Assert.Contains(OperatingSystem.IsWindows() ? "Developer Mode" : "file system", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mirror_layout_keeps_the_archives_at_their_upstream_paths_and_the_metadata()
    {
        var selected = await Select();
        var installed = await BootloaderInstaller.InstallAsync(selected, Options(SaveLayout.Mirror), new RecordingObserver(), CancellationToken.None);
        Assert.Equal(4, installed.Count);
        foreach (var archive in selected.SelectMany(BootloaderSelection.Archives))
            Assert.Equal(archive.Sha256, Sha256(File.ReadAllBytes(Path.Combine(Root, archive.Path))));
        Assert.All(installed, b => Assert.Equal(Root, b.Path));
        Assert.Equal(File.ReadAllBytes(_served.PathOf(TempStream.BootloaderProducts)), File.ReadAllBytes(Path.Combine(Root, TempStream.BootloaderProducts)));
        Assert.False(Directory.Exists(Path.Combine(Root, "bootloader")));
        Assert.False(Directory.Exists(Path.Combine(Root, "bootloaders/pxe/amd64")));
    }
}
