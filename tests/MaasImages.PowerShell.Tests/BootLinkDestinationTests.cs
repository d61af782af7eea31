using System.Security.Cryptography;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// New-MaasBootLink on a tree whose <c>current</c> (or the folder given) is a symbolic link to a
/// folder outside: it stops with UnsafeDestination and writes nothing there. A <c>current</c> that
/// points at a real snapshot beside it is still followed.
/// </summary>
public sealed class BootLinkDestinationTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "maasimages-bootlink-" + Guid.NewGuid().ToString("N"));
    private readonly PowerShellSession _session = new();

    private string Root => Path.Combine(_scratch, "boot-resources");
    private string Outside => Path.Combine(_scratch, "outside");

    public BootLinkDestinationTests()
    {
        // The outside folder looks like a snapshot, so only the link check can keep links out of it.
        Directory.CreateDirectory(Path.Combine(Outside, "bootloader", "uefi", "amd64"));
        File.WriteAllText(Path.Combine(Outside, "bootloader", "uefi", "amd64", "bootx64.efi"), "not ours");
        Directory.CreateDirectory(Root);
    }

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    private static SortedDictionary<string, string> Fingerprint(string folder)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            entries[entry.FullName] = entry.LinkTarget is { } target ? "link " + target
                : entry is DirectoryInfo ? "folder"
                : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry.FullName)));
        }
        return entries;
    }

    [Theory]
    [InlineData("root")]
    [InlineData("current")]
    public void A_current_linking_outside_is_UnsafeDestination_and_nothing_is_written_there(string given)
    {
        File.CreateSymbolicLink(Path.Combine(Root, "current"), Outside);
        var before = Fingerprint(Outside);
        var path = given == "root" ? Root : Path.Combine(Root, "current");
        var result = _session.Run("New-MaasBootLink -LiteralPath $path -Force", new Dictionary<string, object?> { ["path"] = path });
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("UnsafeDestination,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.Equal(before, Fingerprint(Outside));
    }

    [Fact]
    public void A_current_pointing_at_a_snapshot_beside_it_is_followed()
    {
        var snapshot = Path.Combine(Root, "snapshot-20250101-000000");
        Directory.CreateDirectory(Path.Combine(snapshot, "bootloader", "uefi", "amd64"));
        File.WriteAllText(Path.Combine(snapshot, "bootloader", "uefi", "amd64", "bootx64.efi"), "shim");
        File.CreateSymbolicLink(Path.Combine(Root, "current"), "snapshot-20250101-000000");
        var result = _session.Run("New-MaasBootLink -LiteralPath $path", new Dictionary<string, object?> { ["path"] = Path.Combine(Root, "current") });
        Assert.Empty(result.Errors);
        Assert.Equal("bootloader/uefi/amd64/bootx64.efi", new FileInfo(Path.Combine(snapshot, "bootx64.efi")).LinkTarget);
    }
}
