using System.Globalization;
using MaasImages.Engine.Layout;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// A snapshot is named snapshot-YYYYmmdd-HHMMSS (UTC); a later one made in the same second gets -1,
/// -2 … so that name order stays the order they were made in (retention and -Previous rely on it).
/// </summary>
public sealed class SnapshotNameTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("maasimages-snapname-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_second_snapshot_in_the_same_second_is_numbered_after_the_first()
    {
        // Snapshots already taken every second from now on: whatever second Build runs in, one of them shares it.
        var now = DateTime.UtcNow;
        var taken = Enumerable.Range(0, 120)
            .Select(s => "snapshot-" + now.AddSeconds(s).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture))
            .ToArray();
        foreach (var name in taken) Directory.CreateDirectory(Path.Combine(_root, name));

        var built = Path.GetFileName(RackSnapshots.Build(_root, null, _ => { }, _ => { }));

        Assert.Matches(@"^snapshot-\d{8}-\d{6}-1$", built);
        Assert.Contains(built[..^2], taken);
        Assert.True(string.CompareOrdinal(built, built[..^2]) > 0, "the numbered name sorts after the first of its second");
    }

    [Fact]
    public void A_snapshot_alone_in_its_second_has_no_number()
    {
        var built = Path.GetFileName(RackSnapshots.Build(_root, null, _ => { }, _ => { }));
        Assert.Matches(@"^snapshot-\d{8}-\d{6}$", built);
    }
}
