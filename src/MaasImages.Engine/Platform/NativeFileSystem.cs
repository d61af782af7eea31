using System.Runtime.InteropServices;

namespace MaasImages.Engine.Platform;

/// <summary>
/// The few file-system calls the BCL lacks: hard links, link counts and an atomic rename that
/// replaces a symlink itself (File.Move follows a symlink to a directory). One place for all of them.
/// </summary>
public static partial class NativeFileSystem
{
    /// <summary>Makes <paramref name="link"/> a hard link to <paramref name="existing"/>; false when the file system refuses (EXDEV, EPERM…).</summary>
    public static bool TryCreateHardLink(string existing, string link)
    {
        if (OperatingSystem.IsWindows()) return CreateHardLinkW(link, existing, IntPtr.Zero);
        return Link(existing, link) == 0;
    }

    /// <summary>How many directory entries point at the file (st_nlink); null when unknown.</summary>
    public static long? GetLinkCount(string path)
    {
        if (OperatingSystem.IsWindows()) return null; // cleanup then relies on what the selection references
        // stat layouts differ between libcs; `stat -c` would fork. Use the statx call, stable on Linux.
        if (OperatingSystem.IsLinux())
        {
            var buffer = new byte[256];
            if (Statx(-100 /* AT_FDCWD */, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x4 /* STATX_NLINK */, buffer) == 0)
                return BitConverter.ToUInt32(buffer, 16); // struct statx: stx_mask(4) stx_blksize(4) stx_attributes(8) stx_nlink(4)
            return null;
        }
        return null;
    }

    /// <summary>True when both paths are the same file (same device and inode): a hard link.</summary>
    public static bool IsSameFile(string a, string b)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var first = new byte[256];
        var second = new byte[256];
        const uint mask = 0x100; // STATX_INO
        if (Statx(-100, a, 0, mask, first) != 0 || Statx(-100, b, 0, mask, second) != 0) return false;
        // stx_ino at offset 32; stx_dev_major/minor at 136/140.
        return BitConverter.ToUInt64(first, 32) == BitConverter.ToUInt64(second, 32)
               && BitConverter.ToUInt32(first, 136) == BitConverter.ToUInt32(second, 136)
               && BitConverter.ToUInt32(first, 140) == BitConverter.ToUInt32(second, 140);
    }

    /// <summary>(device, inode) of a file, not following a final symlink; null where unknown (not Linux).</summary>
    public static (ulong Device, ulong Inode)? GetFileId(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        if (Statx(-100, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x100 /* STATX_INO */, buffer) != 0) return null;
        return (((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140), BitConverter.ToUInt64(buffer, 32));
    }

    /// <summary>rename(2): atomically replaces <paramref name="destination"/>, even a symlink to a directory.</summary>
    public static void RenameReplacing(string source, string destination)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!MoveFileExW(source, destination, 0x1 /* MOVEFILE_REPLACE_EXISTING */))
                throw new IOException($"Cannot rename '{source}' to '{destination}' (error {Marshal.GetLastPInvokeError()}).");
            return;
        }
        if (Rename(source, destination) != 0)
            throw new IOException($"Cannot rename '{source}' to '{destination}' (errno {Marshal.GetLastPInvokeError()}).");
    }

    /// <summary>
    /// The start of a file (at most <paramref name="maxBytes"/>), read with open(2) and read(2): a
    /// FileStream takes a shared flock first, which another process's exclusive lock refuses, so a
    /// lock's own record could not be read while it is held. Null where unreadable, and on Windows.
    /// </summary>
    public static byte[]? ReadWithoutLock(string path, int maxBytes)
    {
        if (OperatingSystem.IsWindows()) return null; // a share-none handle refuses every reader
        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) return null;
        try
        {
            var buffer = new byte[maxBytes];
            int filled = 0;
            while (filled < maxBytes)
            {
                var chunk = new byte[maxBytes - filled];
                var n = (int)Read(fd, chunk, chunk.Length);
                if (n < 0) return null;
                if (n == 0) break;
                Array.Copy(chunk, 0, buffer, filled, n);
                filled += n;
            }
            return buffer[..filled];
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>errno of access(2) W_OK on <paramref name="path"/> (EACCES, EROFS…), 0 when writable. Unix only.</summary>
    public static int WriteAccessErrno(string path)
    {
        if (OperatingSystem.IsWindows()) return 0;
        return Access(path, 2 /* W_OK */) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Rename(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("kernel32.dll", EntryPoint = "CreateHardLinkW", StringMarshalling = StringMarshalling.Utf16, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CreateHardLinkW(string link, string existing, IntPtr securityAttributes);

    [LibraryImport("kernel32.dll", EntryPoint = "MoveFileExW", StringMarshalling = StringMarshalling.Utf16, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool MoveFileExW(string existing, string newName, int flags);
}
