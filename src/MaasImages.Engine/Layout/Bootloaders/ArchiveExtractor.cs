using System.Formats.Tar;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;
using SharpCompress.Common;
using SharpCompress.Compressors.Xz;

namespace MaasImages.Engine.Layout.Bootloaders;

/// <summary>Bounds on what one archive may unpack to, so a hostile archive cannot fill the disk.</summary>
internal sealed record ArchiveLimits(long MaxMemberSize, long MaxTotalSize, int MaxMembers)
{
    /// <summary>Real bootloader members are a few MB; 256 MiB each is far beyond any of them.</summary>
    public static ArchiveLimits Default { get; } = new(256L << 20, 1L << 30, 4096);
}

/// <summary>
/// Unpacks a bootloader <c>archive.tar.xz</c> the safe way: only regular files, flattened to their
/// base names. The whole archive is refused (UnsafeArchive) for an absolute or climbing path, a
/// link, a device or fifo, a member over the size cap, or two members with one base name; a
/// damaged archive (bad xz check, broken tar) is refused as CorruptArchive. Members are written to
/// a fresh folder that is removed again on refusal, so nothing from a refused archive remains.
/// </summary>
/// <remarks>
/// xz comes from SharpCompress; tar from System.Formats.Tar, whose entries say what they are
/// (SharpCompress reports devices and fifos as empty regular files).
/// </remarks>
internal static class ArchiveExtractor
{
    /// <summary>Extracts <paramref name="archive"/> into the new folder <paramref name="destination"/>; returns the member names.</summary>
    /// <param name="archive">The verified .tar.xz on disk.</param>
    /// <param name="destination">A folder that must not exist yet.</param>
    /// <param name="name">What messages call the archive (its stream path).</param>
    /// <param name="limits">Size caps.</param>
    public static IReadOnlyList<string> Extract(string archive, string destination, string name, ArchiveLimits limits)
    {
        Directory.CreateDirectory(destination);
        try
        {
            return ExtractInto(archive, destination, name, limits);
        }
        catch
        {
            Platform.NoFollow.DeleteTree(destination);
            throw;
        }
    }

    private static List<string> ExtractInto(string archive, string destination, string name, ArchiveLimits limits)
    {
        var members = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // one folder on case-insensitive file systems too
        long total = 0;
        using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var xz = new XZStream(file);
        try
        {
            using (var tar = new TarReader(xz, leaveOpen: true))
            {
                while (tar.GetNextEntry(copyData: false) is { } entry)
                {
                    var problem = CheckPath(entry.Name);
                    if (problem is not null) throw new UnsafeArchiveException(name, $"member '{PathSafety.Printable(entry.Name)}' {problem}");
                    switch (entry.EntryType)
                    {
                        case TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes:
                            continue; // flattened away / metadata only
                        case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                            break;
                        case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                            throw new UnsafeArchiveException(name, $"member '{entry.Name}' is a {Describe(entry.EntryType)} to '{entry.LinkName}'; bootloader archives hold regular files only");
                        default:
                            throw new UnsafeArchiveException(name, $"member '{entry.Name}' is a {Describe(entry.EntryType)}; bootloader archives hold regular files only");
                    }
                    if (entry.Length > limits.MaxMemberSize)
                        throw new UnsafeArchiveException(name, $"member '{entry.Name}' is {entry.Length:N0} bytes, over the {limits.MaxMemberSize:N0}-byte limit for one file");
                    total += entry.Length;
                    if (total > limits.MaxTotalSize)
                        throw new UnsafeArchiveException(name, $"its members add up to more than {limits.MaxTotalSize:N0} bytes");
                    if (members.Count == limits.MaxMembers)
                        throw new UnsafeArchiveException(name, $"it holds more than {limits.MaxMembers:N0} files");
                    var baseName = BaseName(entry.Name);
                    if (PathSafety.FindSegmentProblem(baseName) is { } nameProblem)
                        throw new UnsafeArchiveException(name, $"member '{PathSafety.Printable(entry.Name)}' cannot be a file name: {nameProblem}");
                    if (!seen.Add(baseName))
                        throw new UnsafeArchiveException(name, $"two members flatten to the same name '{baseName}'");
                    WriteMember(entry, Path.Combine(destination, baseName));
                    members.Add(baseName);
                }
            }
            // The tar reader stops at the end-of-archive blocks; the xz block check and index
            // are only verified once the stream is read to its very end.
            xz.CopyTo(Stream.Null);
        }
        catch (Exception e) when (e is SharpCompressException or InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new CorruptArchiveException(name, e.Message, e);
        }
        return members;
    }

    /// <summary>Why a member path is unsafe, or null. Leading "./" is harmless (tar -C dir .).</summary>
    internal static string? CheckPath(string path)
    {
        if (path.Length == 0) return "has an empty name";
        if (path.Contains('\0', StringComparison.Ordinal)) return "has a NUL character in its name";
        if (path.Contains('\\', StringComparison.Ordinal)) return "has a backslash in its name";
        if (path[0] == '/') return "has an absolute path";
        if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])) return "starts with a drive letter";
        foreach (var segment in path.Split('/'))
            if (segment == "..") return "climbs out with '..'";
        return null;
    }

    /// <summary>The last segment of a member path ("grub/bootppc64.bin" → "bootppc64.bin").</summary>
    private static string BaseName(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed[(trimmed.LastIndexOf('/') + 1)..];
    }

    private static void WriteMember(TarEntry entry, string path)
    {
        using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            entry.DataStream?.CopyTo(output);
            if (output.Length != entry.Length)
                throw new EndOfStreamException($"member '{entry.Name}' ends after {output.Length:N0} of {entry.Length:N0} bytes");
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private static string Describe(TarEntryType type) => type switch
    {
        TarEntryType.SymbolicLink => "symbolic link",
        TarEntryType.HardLink => "hard link",
        TarEntryType.CharacterDevice => "character device",
        TarEntryType.BlockDevice => "block device",
        TarEntryType.Fifo => "fifo",
        _ => $"'{type}' entry",
    };
}
