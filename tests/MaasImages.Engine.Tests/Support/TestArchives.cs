using System.Diagnostics;

namespace MaasImages.Engine.Tests.Support;

/// <summary>
/// Hostile and damaged .tar.xz archives, made at test time with python3's tarfile (it writes any
/// member type and any name, which GNU tar refuses to), never committed.
/// </summary>
public static class TestArchives
{
    /// <summary>Kinds <see cref="Create"/> knows; each holds one good member (a.efi) and the hostile one.</summary>
    public static readonly string[] HostileKinds = ["absolute", "traversal", "nested-traversal", "symlink", "hardlink", "char-device", "block-device", "fifo", "duplicate-name"];

    /// <summary>Writes an archive of <paramref name="kind"/> to <paramref name="path"/>; <paramref name="evilName"/> is the name that must never appear on disk.</summary>
    public static void Create(string kind, string path, string evilName)
    {
        var script = """
            import io, sys, tarfile
            kind, path, evil = sys.argv[1], sys.argv[2], sys.argv[3]
            def regular(name, data=b'payload-0123456789'):
                info = tarfile.TarInfo(name); info.size = len(data); return info, io.BytesIO(data)
            def special(name, type, link=''):
                info = tarfile.TarInfo(name); info.type = type; info.linkname = link; return info, None
            members = [regular('a.efi')]
            members.append({
                'absolute': lambda: regular('/tmp/' + evil),
                'traversal': lambda: regular('../../' + evil),
                'nested-traversal': lambda: regular('grub/../../' + evil),
                'symlink': lambda: special(evil, tarfile.SYMTYPE, '/etc/passwd'),
                'hardlink': lambda: special(evil, tarfile.LNKTYPE, 'a.efi'),
                'char-device': lambda: special(evil, tarfile.CHRTYPE),
                'block-device': lambda: special(evil, tarfile.BLKTYPE),
                'fifo': lambda: special(evil, tarfile.FIFOTYPE),
                'duplicate-name': lambda: regular('grub/a.efi'),
            }[kind]())
            with tarfile.open(path, 'w:xz', format=tarfile.GNU_FORMAT) as tar:
                for info, data in members: tar.addfile(info, data)
            """;
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", script, kind, path, evilName }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"python3 could not make the '{kind}' archive: {error}");
    }

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
}
