using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// The state files (a partial's sidecar, snapshot references, the mirror's records, rollback and
/// date records) are written by generated serialization code: byte for byte what the reflection-based
/// serializer of earlier versions wrote, and files written that way read back to the same values.
/// </summary>
public sealed class StateFileJsonTests
{
    private static readonly JsonSerializerOptions Reflection = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private static void SameAsReflection<T>(T value, JsonTypeInfo<T> generated, JsonSerializerOptions? reflection = null)
    {
        var earlier = JsonSerializer.SerializeToUtf8Bytes(value, reflection ?? Reflection);
        var now = JsonSerializer.SerializeToUtf8Bytes(value, generated);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(earlier), System.Text.Encoding.UTF8.GetString(now));
        // An earlier version's file reads back to the same value (written again: the same bytes).
        var read = JsonSerializer.Deserialize(earlier, generated);
        Assert.NotNull(read);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(earlier), System.Text.Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(read, generated)));
    }

    [Fact]
    public void A_partials_sidecar_is_written_and_read_as_before()
    {
        SameAsReflection(new FileFetcher.PartialState(new string('a', 64), "\"5f1e-2a\"", new DateTimeOffset(2025, 7, 18, 10, 15, 30, TimeSpan.Zero)),
            TransferJson.Default.PartialState);
        SameAsReflection(new FileFetcher.PartialState(new string('b', 64), null, null), TransferJson.Default.PartialState);
        Assert.Equal(new FileFetcher.PartialState("c", "W/\"x\"", DateTimeOffset.UnixEpoch),
            JsonSerializer.Deserialize(JsonSerializer.Serialize(new FileFetcher.PartialState("c", "W/\"x\"", DateTimeOffset.UnixEpoch), Reflection), TransferJson.Default.PartialState));
    }

    [Fact]
    public void Snapshot_references_are_written_and_read_as_before()
    {
        var references = CacheReferences.Empty();
        references.Files["amd64/ga-24.04/noble/stable/boot-kernel"] = new string('1', 64);
        references.Files["amd64/ga-24.04/noble/stable/squashfs"] = new string('2', 64);
        references.Unknown.Add("amd64/old/file");
        references.Content[new string('1', 64)] = new CacheContent(new string('1', 64), 12345, "http://127.0.0.1/x/boot-kernel", "x/boot-kernel");
        references.Content["member"] = new CacheContent(new string('3', 64), 7, ArchiveSha256: new string('4', 64), ArchiveSize: 99, Member: "bootx64.efi");
        SameAsReflection(references, LayoutJson.Default.CacheReferences);
        SameAsReflection(CacheReferences.Empty(), LayoutJson.Default.CacheReferences);
    }

    [Fact]
    public void Mirror_records_rollback_records_and_document_dates_are_written_and_read_as_before()
    {
        SameAsReflection(new Dictionary<string, MirrorLayout.FileRecord>
        {
            ["bootloaders/uefi/amd64/20210819.0/grub2-signed.tar.xz"] = new(new string('5', 64), 42, 638_000_000_000_000_000, MaasContentKind.Bootloaders, "p", "v", "http://h/x"),
            ["noble/amd64/20250718/squashfs"] = new(new string('6', 64), 43, 1),
        }, LayoutJson.Default.DictionaryStringFileRecord);
        SameAsReflection(new List<string> { "snapshot-20250718-101530", "snapshot-20250719-101530-1" }, LayoutJson.Default.ListString);
        SameAsReflection(new Dictionary<string, string> { ["com.ubuntu.maas:stable:v3:download"] = "Fri, 18 Jul 2025 10:15:30 +0000" },
            LayoutJson.Default.DictionaryStringString);
        // Indented, and the '+' of a date kept (not \u002B), as people read it.
        var dates = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["b"] = "Fri, 18 Jul 2025 10:15:30 +0000", ["a"] = "<&>" };
        var indented = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        SameAsReflection(dates, (JsonTypeInfo<SortedDictionary<string, string>>)LayoutJson.Indented.GetTypeInfo(typeof(SortedDictionary<string, string>)), indented);
        Assert.Contains("+0000", System.Text.Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(dates, LayoutJson.Indented)), StringComparison.Ordinal);
    }
}
