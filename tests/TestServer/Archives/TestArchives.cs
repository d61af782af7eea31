using System.Formats.Tar;

namespace MaasImages.TestServer;

/// <summary>
/// Hostile and damaged .tar.xz archives, made at test time in .NET (System.Formats.Tar writes any
/// member type and name; <see cref="XzWriter"/> wraps them), never committed. Used by the xunit
/// suites and, through this assembly, by Pester.
/// </summary>
public static class TestArchives
{
    /// <summary>Kinds <see cref="Create"/> knows; each holds one good member (a.efi) and the hostile one.</summary>
    public static readonly string[] HostileKinds = ["absolute", "traversal", "nested-traversal", "symlink", "hardlink", "char-device", "block-device", "fifo", "duplicate-name", "control-character", "trailing-dot"];

    /// <summary>Writes an archive of <paramref name="kind"/> to <paramref name="path"/>; <paramref name="evilName"/> is the name that must never appear on disk.</summary>
    public static void Create(string kind, string path, string evilName)
    {
        var entries = new List<GnuTarEntry> { Regular("a.efi") };
        entries.Add(kind switch
        {
            "absolute" => Regular("/tmp/" + evilName),
            "traversal" => Regular("../../" + evilName),
            "nested-traversal" => Regular("grub/../../" + evilName),
            "symlink" => new GnuTarEntry(TarEntryType.SymbolicLink, evilName) { LinkName = "/etc/passwd" },
            "hardlink" => new GnuTarEntry(TarEntryType.HardLink, evilName) { LinkName = "a.efi" },
            "char-device" => new GnuTarEntry(TarEntryType.CharacterDevice, evilName),
            "block-device" => new GnuTarEntry(TarEntryType.BlockDevice, evilName),
            "fifo" => new GnuTarEntry(TarEntryType.Fifo, evilName),
            "duplicate-name" => Regular("grub/a.efi"),
            "control-character" => Regular("grub/\u0001" + evilName),
            "trailing-dot" => Regular(evilName + "."), // Windows would write it without the dot
            _ => throw new ArgumentException($"unknown hostile archive kind '{kind}'", nameof(kind)),
        });
        Write(path, entries);
    }

    /// <summary>A good member plus a symbolic link member: the case Pester uses.</summary>
    public static void CreateWithSymlink(string path, string goodName, string evilName) =>
        Write(path, [Regular(goodName), new GnuTarEntry(TarEntryType.SymbolicLink, evilName) { LinkName = "/etc/shadow" }]);

    /// <summary>A copy of <paramref name="archive"/> whose xz block check (CRC64) is wrong; everything else intact.</summary>
    public static byte[] WithBadBlockCheck(string archive)
    {
        var bytes = File.ReadAllBytes(archive);
        // Stream footer (last 12 bytes) holds the index size; the block's check field sits right before the index.
        var backwardSize = (BitConverter.ToUInt32(bytes, bytes.Length - 8) + 1) * 4;
        var checkOffset = bytes.Length - 12 - (int)backwardSize - 8;
        bytes[checkOffset] ^= 0xff;
        return bytes;
    }

    private static GnuTarEntry Regular(string name) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream("payload-0123456789"u8.ToArray()) };

    private static void Write(string path, IEnumerable<GnuTarEntry> entries)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var entry in entries) writer.WriteEntry(entry);
        }
        File.WriteAllBytes(path, XzWriter.Wrap(tar.ToArray()));
    }
}
