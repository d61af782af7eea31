using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>Bootloader selection on the real (cut-down) images.maas.io bootloader products, laid out as a stream at test time.</summary>
public sealed class BootloaderRealFixtureTests
{
    private static async Task<IReadOnlyList<MaasImageVersion>> Select(BootloaderQuery query)
    {
        using var temp = new TempStream();
        temp.Write(TempStream.Index, File.ReadAllText(Path.Combine(RepoPaths.RealFixtures, "simplestreams_index.json")));
        foreach (var (document, fixture) in new[] { (TempStream.V3Products, "simplestreams_ubuntu.json"), (TempStream.CentosProducts, "simplestreams_centos.json"), (TempStream.BootloaderProducts, "simplestreams_bootloaders.json") })
            temp.Write(document, File.ReadAllText(Path.Combine(RepoPaths.RealFixtures, fixture)));
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None); // upstream samples are unsigned copies
        return await BootloaderInstaller.SelectAsync(stream, query, _ => { }, CancellationToken.None);
    }

    [RealFixtureFact]
    public async Task The_maas_defaults_come_out_newest_version_each_with_the_keys_maas_meta_needs()
    {
        var selected = await Select(new BootloaderQuery());
        Assert.Equal(
            ["grub-efi-signed uefi/amd64 20231004.0", "grub-efi uefi/arm64 20231004.0", "grub-ieee1275 open-firmware/ppc64el 20210509.0", "pxelinux pxe/i386 20210203.0"],
            selected.Select(s => $"{s.Os} {BootloaderSelection.TypeOf(s)}/{s.Arch} {s.VersionName}"));
        var uefi = selected[0];
        Assert.Equal(["grub2-signed", "shim-signed"], BootloaderSelection.Archives(uefi).Select(a => a.Name));
        // maas.meta: os/arch/generic/bootloader/<bootloader-type>/label; MAAS sets it once per item, so the last item's path stays.
        using var destination = new TempStream();
        var planned = new BootloaderRackLayout(selected, new SaveOptions { Destination = destination.Root }, ArchiveLimits.Default).PlannedMeta;
        using var meta = System.Text.Json.JsonDocument.Parse(planned);
        var entry = meta.RootElement.GetProperty("grub-efi-signed").GetProperty("amd64").GetProperty("generic").GetProperty("bootloader").GetProperty("uefi").GetProperty("stable");
        Assert.Equal("bootloaders/uefi/amd64/20231004.0/shim-signed.tar.xz", entry.GetProperty("path").GetString());
        Assert.Equal("uefi", entry.GetProperty("bootloader-type").GetString());
        Assert.Equal("com.ubuntu.maas:stable:1:bootloader-download", entry.GetProperty("content_id").GetString());
    }

    [RealFixtureFact]
    public async Task Arches_lists_with_and_without_spaces_both_match()
    {
        // pxe/i386 has "i386,amd64", pxe/amd64 has "amd64, i386" upstream.
        Assert.Equal(["pxelinux:pxe:amd64", "pxelinux:pxe:i386"],
            (await Select(new BootloaderQuery { All = true, Types = ["pxe"], Arches = ["i386"] })).Select(s => s.ProductName[(s.ProductName.IndexOf("pxelinux", StringComparison.Ordinal))..]));
        Assert.Equal(["grub-efi-signed", "pxelinux"], (await Select(new BootloaderQuery { Arches = ["amd64"] })).Select(s => s.Os));
        Assert.Equal(["grub-ieee1275"], (await Select(new BootloaderQuery { Arches = ["ppc64"] })).Select(s => s.Os));
    }
}
