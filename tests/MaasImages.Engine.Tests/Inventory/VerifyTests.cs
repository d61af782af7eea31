using System.Text.Json.Nodes;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Inventory;

/// <summary>Test-MaasBootResource's engine: re-hashing rack trees and mirrors, damaged files of every kind, repair.</summary>
public sealed class VerifyTests : ServedSampleTest
{
    private static VerifyOptions Verify(string? source = null) => new()
    {
        Source = source,
        Transfer = new TransferOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(20) },
        LockTimeout = TimeSpan.FromSeconds(20),
    };

    private List<MaasImagesException> Errors { get; } = [];
    private RecordingObserver Observer { get; } = new();

    private Task<IReadOnlyList<MaasBootResourceCheck>> Check(VerifyOptions? options = null) =>
        BootResourceVerifier.VerifyAsync(Root, options ?? Verify(), Observer, Errors.Add, CancellationToken.None);

    private Task Repair(IReadOnlyList<MaasBootResourceCheck> checks, VerifyOptions? options = null) =>
        BootResourceVerifier.RepairAsync(Root, checks, options ?? Verify(), Observer, Errors.Add, CancellationToken.None);

    private async Task SaveRack()
    {
        await Save(await LatestAmd64("jammy"));
        await Install(await Bootloaders());
    }

    private string InCurrent(string relative) => Path.Combine(Current, relative.Replace('/', Path.DirectorySeparatorChar));

    private static void FlipByte(string path, long at = 0)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = at;
        var b = stream.ReadByte();
        stream.Position = at;
        stream.WriteByte((byte)(b ^ 0xff));
    }

    private static Dictionary<string, MaasFileCheckStatus> ByPath(IEnumerable<MaasBootResourceCheck> checks) => checks.ToDictionary(c => c.RelativePath, c => c.Status);

    [Fact]
    public async Task A_sound_rack_tree_is_all_Ok_with_every_served_file_hashed_once_per_content_and_progress_reported()
    {
        await SaveRack();
        var checks = await Check();
        Assert.Empty(Errors);
        Assert.All(checks, c => Assert.Equal(MaasFileCheckStatus.Ok, c.Status));
        // Every regular file of the snapshot but its own (maas.meta, ipxe.cfg, grub/grub.cfg) is checked.
        var snapshot = Path.Combine(Root, new FileInfo(Path.Combine(Root, "current")).LinkTarget!);
        var served = Directory.EnumerateFiles(snapshot, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(f => Path.GetRelativePath(snapshot, f).Replace('\\', '/')).Except(["maas.meta", "ipxe.cfg", "grub/grub.cfg"]).Order().ToList();
        Assert.Equal(served, checks.Select(c => c.RelativePath));
        Assert.Contains(checks, c => c.RelativePath == "bootloader/uefi/amd64/bootx64.efi" && c.ExpectedSha256 == c.ActualSha256);
        var last = Observer.Snapshots.Last();
        Assert.True(last.Completed);
        Assert.Equal(last.BytesTotal, last.BytesDone);
        // generic/ holds hard links to ga-22.04's files: the content is read once.
        Assert.True(last.FilesTotal < checks.Count);
    }

    [Fact]
    public async Task Corrupt_truncated_missing_and_extra_files_are_reported_and_repair_puts_the_tree_right_in_a_new_snapshot()
    {
        await SaveRack();
        var before = new FileInfo(Path.Combine(Root, "current")).LinkTarget;
        const string folder = "ubuntu/amd64/ga-22.04/jammy/stable";
        FlipByte(InCurrent($"{folder}/squashfs"), 10);                      // the generic/ hard link is the same content
        File.WriteAllBytes(InCurrent($"{folder}/boot-kernel"), File.ReadAllBytes(InCurrent($"{folder}/boot-kernel"))[..5]); // truncated through the link
        File.Delete(InCurrent("ubuntu/amd64/hwe-22.04/jammy/stable/boot-initrd"));
        File.WriteAllText(InCurrent($"{folder}/squashfs.partial"), "left by a killed copy");
        File.WriteAllText(InCurrent("stray.txt"), "copied by hand");
        FlipByte(InCurrent("bootloader/uefi/amd64/bootx64.efi"));

        var checks = await Check();
        var status = ByPath(checks);
        Assert.Equal(MaasFileCheckStatus.Corrupt, status[$"{folder}/squashfs"]);
        Assert.Equal(MaasFileCheckStatus.Corrupt, status["ubuntu/amd64/generic/jammy/stable/squashfs"]);
        Assert.Equal(MaasFileCheckStatus.Corrupt, status[$"{folder}/boot-kernel"]);
        Assert.Equal(MaasFileCheckStatus.Missing, status["ubuntu/amd64/hwe-22.04/jammy/stable/boot-initrd"]);
        Assert.Equal(MaasFileCheckStatus.Unexpected, status[$"{folder}/squashfs.partial"]);
        Assert.Equal(MaasFileCheckStatus.Unexpected, status["stray.txt"]);
        Assert.Equal(MaasFileCheckStatus.Corrupt, status["bootloader/uefi/amd64/bootx64.efi"]);
        var truncated = checks.Single(c => c.RelativePath == $"{folder}/boot-kernel");
        Assert.Equal(5, truncated.Size);
        Assert.NotEqual(truncated.ExpectedSha256, truncated.ActualSha256);
        Assert.Equal("com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04", truncated.ProductName);
        Assert.All(checks.Where(c => c.Status is MaasFileCheckStatus.Ok), c => Assert.True(c.IsHealthy));

        await Repair(checks);
        Assert.Empty(Errors);
        Assert.All(checks.Where(c => c.Status is MaasFileCheckStatus.Corrupt or MaasFileCheckStatus.Missing), c => Assert.True(c.Repaired, c.RelativePath));
        Assert.NotEqual(before, new FileInfo(Path.Combine(Root, "current")).LinkTarget);
        // The damaged snapshot stays as it was (a repair removes no snapshot); current serves the repaired one.
        Assert.True(Directory.Exists(Path.Combine(Root, before!)));
        var after = ByPath(await Check());
        Assert.All(after.Where(kv => !kv.Key.Contains("partial", StringComparison.Ordinal) && kv.Key != "stray.txt"), kv => Assert.Equal(MaasFileCheckStatus.Ok, kv.Value));
        // What repair does not own stays as it was: reported, not deleted.
        Assert.Equal(MaasFileCheckStatus.Unexpected, after["stray.txt"]);
    }

    [Fact]
    public async Task A_mirror_is_checked_against_its_documents_and_repaired_at_its_paths()
    {
        var images = await LatestAmd64("noble");
        await Save(images, Options(SaveLayout.Mirror));
        var kernel = images.First(i => i.Subarch == "ga-24.04").Files.Single(f => f.Name == "boot-kernel").Path;
        var squashfs = images[0].Files.Single(f => f.Name == "squashfs").Path;
        var initrd = images.First(i => i.Subarch == "hwe-24.04").Files.Single(f => f.Name == "boot-initrd").Path;
        Assert.All(await Check(), c => Assert.Equal(MaasFileCheckStatus.Ok, c.Status));

        FlipByte(Path.Combine(Root, kernel));
        File.WriteAllBytes(Path.Combine(Root, squashfs), []);
        File.Delete(Path.Combine(Root, initrd));
        File.WriteAllText(Path.Combine(Root, "noble", "leftover.tmp"), "x");
        var checks = await Check();
        var status = ByPath(checks);
        Assert.Equal(MaasFileCheckStatus.Corrupt, status[kernel]);
        Assert.Equal(MaasFileCheckStatus.Corrupt, status[squashfs]);
        Assert.Equal(MaasFileCheckStatus.Missing, status[initrd]);
        Assert.Equal(MaasFileCheckStatus.Unexpected, status["noble/leftover.tmp"]);
        Assert.DoesNotContain(checks, c => c.RelativePath.StartsWith("streams/", StringComparison.Ordinal) || c.RelativePath.StartsWith(".maasimages", StringComparison.Ordinal));

        Server.ResetCounters();
        await Repair(checks);
        Assert.Empty(Errors);
        Assert.Equal(3, checks.Count(c => c.Repaired));
        Assert.Contains(Server.Requests, r => r.Path.EndsWith(kernel, StringComparison.Ordinal));
        var after = ByPath(await Check());
        Assert.All(after.Where(kv => kv.Key != "noble/leftover.tmp"), kv => Assert.Equal(MaasFileCheckStatus.Ok, kv.Value));
        // The repaired file is trusted by the next save again (its record was updated): nothing is fetched.
        Server.ResetCounters();
        await Save(images, Options(SaveLayout.Mirror));
        Assert.DoesNotContain(Server.Requests, r => r.Path.EndsWith(kernel, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Source_overrides_the_recorded_source()
    {
        var images = await Images(new ImageQuery { Release = ["noble"], Arch = ["arm64"], Subarch = ["ga-*"], MaxVersions = 1 });
        await Save(images, Options());
        FlipByte(InCurrent("ubuntu/arm64/ga-24.04/noble/stable/boot-kernel"));
        await using var other = await StreamServer.StartAsync(Served.Root);
        Server.ResetCounters();

        var checks = await Check(Verify(other.BaseUri.AbsoluteUri));
        await Repair(checks, Verify(other.BaseUri.AbsoluteUri));
        Assert.Empty(Errors);
        Assert.Contains(other.Requests, r => r.Path.EndsWith("boot-kernel", StringComparison.Ordinal));
        Assert.DoesNotContain(Server.Requests, r => r.Path.EndsWith("boot-kernel", StringComparison.Ordinal));
        Assert.All(await Check(), c => Assert.Equal(MaasFileCheckStatus.Ok, c.Status));
    }

    [RealFixtureFact]
    public async Task A_tree_MAAS_wrote_is_checked_by_its_cache_names_and_without_a_recorded_source_repair_says_so()
    {
        MaasWrittenRackTree.Write(Root, [MaasWrittenRackTree.RealDocument("simplestreams_ubuntu.json")], p => p.Contains(":24.04:amd64:", StringComparison.Ordinal));
        // The stand-ins are not the real content: every file is Corrupt against the sha256 its cache name says.
        var checks = await Check();
        Assert.NotEmpty(checks);
        Assert.All(checks, c => Assert.Equal(MaasFileCheckStatus.Corrupt, c.Status));
        Assert.All(checks, c => Assert.Equal(64, c.ExpectedSha256!.Length));
        var current = new FileInfo(Path.Combine(Root, "current")).LinkTarget;

        await Repair(checks);
        Assert.NotEmpty(Errors);
        Assert.All(Errors, e => Assert.Equal("RepairSourceUnknown", e.ErrorId));
        Assert.Equal(current, new FileInfo(Path.Combine(Root, "current")).LinkTarget);
    }

    [Fact]
    public async Task A_hostile_reference_record_never_leads_a_repair_outside_the_tree()
    {
        await SaveRack();
        var snapshot = new FileInfo(Path.Combine(Root, "current")).LinkTarget!;
        var record = Path.Combine(Root, ".maasimages-refs", snapshot + ".json");
        var node = JsonNode.Parse(File.ReadAllText(record))!.AsObject();
        var cacheName = (string)node["Files"]!["bootloader/uefi/amd64/bootx64.efi"]!;
        var victim = Path.Combine(Path.GetDirectoryName(Target.Root)!, "victim-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(victim, "keep me");
        try
        {
            node["Content"]![cacheName]!["ArchiveSha256"] = Path.GetRelativePath(Path.Combine(Root, "cache"), victim);
            File.WriteAllText(record, node.ToJsonString());
            FlipByte(InCurrent("bootloader/uefi/amd64/bootx64.efi"));

            await Repair(await Check());
            Assert.Contains(Errors, e => e.ErrorId == "RepairSourceUnknown");
            Assert.Equal("keep me", File.ReadAllText(victim));
            Assert.Equal(snapshot, new FileInfo(Path.Combine(Root, "current")).LinkTarget);
        }
        finally
        {
            File.Delete(victim);
        }
    }

    [Fact]
    public async Task A_tree_MAAS_wrote_is_repaired_from_Source_by_the_sha256_its_cache_files_are_named_after()
    {
        JsonObject Document(string relative) => JsonNode.Parse(Served.Read(relative))!.AsObject();
        MaasWrittenRackTree.Write(Root, [Document(TempStream.V3Products)], p => p.EndsWith(":24.04:arm64:ga-24.04", StringComparison.Ordinal));
        var checks = await Check();
        Assert.NotEmpty(checks);
        Assert.All(checks, c => Assert.Equal(MaasFileCheckStatus.Corrupt, c.Status)); // stand-ins, not the content their cache names say

        await Repair(checks, Verify(Server.BaseUri.AbsoluteUri));
        Assert.Empty(Errors);
        Assert.All(checks, c => Assert.True(c.Repaired, c.RelativePath));
        Assert.NotEqual(MaasWrittenRackTree.Snapshot, new FileInfo(Path.Combine(Root, "current")).LinkTarget);
        Assert.All(await Check(), c => Assert.Equal(MaasFileCheckStatus.Ok, c.Status));

        // The source is recorded now: the next repair needs no -Source.
        var squashfs = Path.Combine(Root, "current", "ubuntu", "arm64", "ga-24.04", "noble", "stable", "squashfs");
        FlipByte(squashfs);
        var again = await Check();
        await Repair(again);
        Assert.Empty(Errors);
        Assert.Contains(again, c => c.Repaired);
        Assert.All(await Check(), c => Assert.Equal(MaasFileCheckStatus.Ok, c.Status));
    }
}
