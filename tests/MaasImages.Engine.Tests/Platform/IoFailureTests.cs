using MaasImages.Engine.Errors;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Platform;

/// <summary>How raw I/O failures become stable errors, and a symlink failure its real cause (errno by errno).</summary>
public sealed class IoFailureTests
{
    private const string Destination = "/srv/boot-resources";

    [Theory]
    [InlineData(IoFailures.ENOSPC, "InsufficientDiskSpace")]
    [InlineData(IoFailures.EROFS, "DestinationNotWritable")]
    [InlineData(IoFailures.EACCES, "DestinationNotWritable")]
    [InlineData(IoFailures.EPERM, "DestinationNotWritable")]
    public void An_errno_becomes_its_stable_error_naming_the_destination(int errno, string id)
    {
        var error = IoFailures.Translate(new IOException("boom", errno), Destination);
        Assert.NotNull(error);
        Assert.Equal(id, error.ErrorId);
        Assert.Equal(Destination, error.Target);
    }

    [Fact]
    public void Quota_exceeded_is_a_full_disk_too()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.IsType<InsufficientDiskSpaceException>(IoFailures.Translate(new IOException("quota", 122), Destination));
    }

    [Fact]
    public void Permission_denied_says_so_and_read_only_says_so()
    {
        var denied = Assert.IsType<DestinationNotWritableException>(IoFailures.Translate(new UnauthorizedAccessException("no"), Destination));
        Assert.Equal(MaasErrorKind.PermissionDenied, denied.Kind);
        Assert.Contains("permission denied", denied.Message, StringComparison.Ordinal);
        var readOnly = Assert.IsType<DestinationNotWritableException>(IoFailures.Translate(new IOException("ro", IoFailures.EROFS), Destination));
        Assert.Contains("read-only", readOnly.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_other_IO_failure_is_DestinationIOError_with_the_system_message_and_only_non_IO_failures_are_left_alone()
    {
        var eio = Assert.IsType<DestinationIOErrorException>(IoFailures.Translate(new IOException("Input/output error", 5), Destination));
        Assert.Equal("DestinationIOError", eio.ErrorId);
        Assert.Equal(MaasErrorKind.WriteError, eio.Kind);
        Assert.Equal(Destination, eio.Target);
        Assert.Contains("Input/output error (errno 5)", eio.Message, StringComparison.Ordinal);
        Assert.Null(IoFailures.Translate(new InvalidOperationException("not io"), Destination));
    }

    [Fact]
    public void A_link_loop_and_a_name_too_long_are_InvalidDestination()
    {
        Assert.Contains("longer than the file system allows",
            Assert.IsType<InvalidDestinationException>(IoFailures.Translate(new PathTooLongException("long"), Destination)).Message, StringComparison.Ordinal);
        if (!OperatingSystem.IsLinux()) return;
        Assert.Contains("loops", Assert.IsType<InvalidDestinationException>(IoFailures.Translate(new IOException("loop", 40), Destination)).Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDestinationException>(IoFailures.Translate(new IOException("long", 36), Destination));
    }

    [Fact]
    public void Only_a_lock_held_by_another_process_is_worth_waiting_for()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.True(IoFailures.IsHeldByAnother(new IOException("busy", 11)));
        Assert.False(IoFailures.IsHeldByAnother(new IOException("ro", IoFailures.EROFS)));
        Assert.False(IoFailures.IsHeldByAnother(new IOException("full", IoFailures.ENOSPC)));
    }

    [Fact]
    public void A_symlink_refused_on_a_writable_folder_is_a_file_system_without_symlinks()
    {
        if (OperatingSystem.IsWindows()) return;
        var error = SymbolicLinks.Explain("/srv/tftp/pxelinux.0", new UnauthorizedAccessException("denied"), folderAccessErrno: 0);
        Assert.IsType<SymbolicLinkNotPermittedException>(error);
        Assert.Contains("refuses symbolic links", error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_refused_because_the_folder_is_not_writable_says_permission_denied()
    {
        if (OperatingSystem.IsWindows()) return;
        var error = Assert.IsType<DestinationNotWritableException>(
            SymbolicLinks.Explain("/srv/tftp/pxelinux.0", new UnauthorizedAccessException("denied"), folderAccessErrno: IoFailures.EACCES));
        Assert.Equal("/srv/tftp", error.Target);
        Assert.Contains("permission denied", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(IoFailures.EROFS, typeof(DestinationNotWritableException), "read-only")]
    [InlineData(IoFailures.ENOSPC, typeof(InsufficientDiskSpaceException), "full")]
    public void A_symlink_failing_for_another_reason_gets_that_reason(int errno, Type expected, string says)
    {
        if (OperatingSystem.IsWindows()) return;
        var error = SymbolicLinks.Explain("/srv/tftp/pxelinux.0", new IOException("failed", errno), folderAccessErrno: 0);
        Assert.IsType(expected, error);
        Assert.Contains(says, error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destination_that_is_a_file_or_under_proc_is_refused_and_a_new_folder_is_fine()
    {
        var folder = Path.Combine(Path.GetTempPath(), "maasimages-dest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var file = Path.Combine(folder, "file");
            File.WriteAllText(file, "x");
            Assert.Equal("InvalidDestination", Assert.Throws<InvalidDestinationException>(() => DestinationCheck.Ensure(file)).ErrorId);
            Assert.Throws<InvalidDestinationException>(() => DestinationCheck.Ensure(Path.Combine(file, "below", "deeper")));
            if (OperatingSystem.IsLinux()) Assert.Throws<InvalidDestinationException>(() => DestinationCheck.Ensure("/proc/sys/maasimages"));
            DestinationCheck.Ensure(Path.Combine(folder, "new", "boot-resources"));
            DestinationCheck.Ensure(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
