using System.Diagnostics;
using System.Management.Automation;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Every I/O failure of a save has a stable id, a category and a TargetObject, on real file
/// systems: a read-only mount, an immutable lock file, a tmpfs that fills up (space or inodes).
/// Mounting needs root on Linux; without it these tests are skipped, saying why.
/// </summary>
public sealed class IoFailureCmdletTests() : ServedSampleTests("maasimages-io-")
{
    private const string GaOnly = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest";

    private static ErrorRecord Failure(PowerShellSession.Result result) => Assert.Single(result.Errors);

    [MountFact]
    public void A_read_only_destination_is_DestinationNotWritable_at_once_not_DestinationLocked()
    {
        using var mount = Mount.Tmpfs(Destination, "ro,size=1m");
        var watch = Stopwatch.StartNew();
        var result = Session.Run($"{GaOnly} | Save-MaasImage -Path $dest -LockTimeoutSec 120", Vars);
        watch.Stop();

        var error = Failure(result);
        Assert.StartsWith("DestinationNotWritable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(Destination, error.TargetObject);
        Assert.Contains("read-only", error.Exception.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(100), $"it waited for the lock timeout ({watch.Elapsed})");
    }

    [ImmutableFlagFact]
    public void A_lock_file_that_cannot_be_opened_for_writing_is_DestinationNotWritable()
    {
        Directory.CreateDirectory(Destination);
        var lockFile = Path.Combine(Destination, ".maasimages.lock");
        File.WriteAllText(lockFile, "");
        Assert.True(Mount.Run("chattr", $"+i {lockFile}"));
        try
        {
            var result = Session.Run($"{GaOnly} | Save-MaasImage -Path $dest -LockTimeoutSec 120", Vars);
            var error = Failure(result);
            Assert.StartsWith("DestinationNotWritable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
            Assert.Contains("permission denied", error.Exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            Mount.Run("chattr", $"-i {lockFile}");
        }
    }

    [MountFact]
    public void A_disk_filling_up_mid_download_is_InsufficientDiskSpace_the_partial_is_kept_and_the_next_run_resumes_it()
    {
        // 17 pages: the free-space check passes (the files' bytes fit), the files' pages and the
        // .partial.json sidecars do not, so the disk fills up while downloading.
        using var mount = Mount.Tmpfs(Destination, "size=68k");
        var result = Session.Run($"{GaOnly} | Save-MaasImage -Path $dest -ThrottleLimit 1", Vars);

        var error = Failure(result);
        Assert.StartsWith("InsufficientDiskSpace,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Equal(Destination, error.TargetObject);
        Assert.Contains("partial", error.Exception.Message, StringComparison.OrdinalIgnoreCase);
        var partials = Directory.GetFiles(Path.Combine(Destination, "cache"), "*.partial");
        Assert.NotEmpty(partials);
        Assert.False(File.Exists(Path.Combine(Destination, "current")));
        Assert.Empty(Directory.GetDirectories(Destination, "*snapshot-*"));

        // Room again: the next run resumes the partial with a Range request.
        mount.Remount("size=1m");
        Server.ResetCounters();
        var again = Session.Run($"{GaOnly} | Save-MaasImage -Path $dest", Vars);
        Assert.Empty(again.Errors);
        Assert.Contains(Server.Requests, r => r.Range is not null && r.Status == 206);
        Assert.True(File.Exists(Path.Combine(Destination, "current", "maas.meta")));
        Assert.Empty(Directory.GetFiles(Path.Combine(Destination, "cache"), "*.partial"));
    }

    [MountFact]
    public void Inodes_running_out_while_building_a_snapshot_is_InsufficientDiskSpace_and_leaves_no_half_snapshot()
    {
        using var mount = Mount.Tmpfs(Destination, "size=4m,nr_inodes=200");
        var first = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Latest | Save-MaasImage -Path $dest", Vars);
        Assert.Empty(first.Errors);
        var current = new FileInfo(Path.Combine(Destination, "current")).LinkTarget;

        // Use up every inode; the next run needs new ones only for its snapshot (its files are cached).
        var filler = Path.Combine(Destination, "filler");
        Directory.CreateDirectory(filler);
        try
        {
            for (int i = 0; ; i++) File.WriteAllBytes(Path.Combine(filler, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), []);
        }
        catch (IOException)
        {
        }

        var result = Session.Run($"{GaOnly} | Save-MaasImage -Path $dest -Prune", Vars);
        var error = Failure(result);
        Assert.StartsWith("InsufficientDiskSpace,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(current, new FileInfo(Path.Combine(Destination, "current")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(Destination, "current", "maas.meta")));
        Assert.Single(Directory.GetDirectories(Destination, "*snapshot-*"));
    }

    [MountFact]
    public void A_disk_full_while_writing_mirror_metadata_is_InsufficientDiskSpace_leaves_no_partial_and_keeps_the_previous_documents()
    {
        using var mount = Mount.Tmpfs(Destination, "size=1m");
        var save = $"{GaOnly} | Save-MaasImage -Path $dest -Layout Mirror";
        Assert.Empty(Session.Run(save, Vars).Errors);
        var metadata = Directory.GetFiles(Path.Combine(Destination, "streams", "v1")).Append(Path.Combine(Destination, ".maasimages-mirror.json"))
            .ToDictionary(f => f, File.ReadAllBytes);

        // Every page taken but one (for the lock's record): the run has nothing to download, so the
        // first metadata document it writes finds the disk full.
        FillUp(Destination, leaveFreePages: 1);
        var result = Session.Run(save, Vars);

        var error = Failure(result);
        Assert.StartsWith("InsufficientDiskSpace,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Equal(Destination, error.TargetObject);
        Assert.Empty(Directory.GetFiles(Destination, "*.partial", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Destination, "*.tmp", SearchOption.AllDirectories));
        foreach (var (path, bytes) in metadata) Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    /// <summary>Takes every page of the file system at <paramref name="folder"/> with one-page files, then frees <paramref name="leaveFreePages"/> of them.</summary>
    private static void FillUp(string folder, int leaveFreePages)
    {
        var filler = Path.Combine(folder, "filler");
        Directory.CreateDirectory(filler);
        var page = new byte[4096];
        var written = new List<string>();
        try
        {
            for (int i = 0; ; i++)
            {
                var file = Path.Combine(filler, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                File.WriteAllBytes(file, page);
                written.Add(file);
            }
        }
        catch (IOException)
        {
        }
        foreach (var file in Directory.GetFiles(filler).Except(written)) File.Delete(file); // the one the disk refused
        foreach (var file in written.TakeLast(leaveFreePages)) File.Delete(file);
    }

    [MountFact]
    public void A_root_link_that_cannot_be_made_on_a_read_only_snapshot_says_read_only_not_no_symlinks()
    {
        Assert.Empty(Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type pxe -WarningAction SilentlyContinue", Vars).Errors);
        var snapshot = new DirectoryInfo(Path.Combine(Destination, "current")).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        File.Delete(Path.Combine(snapshot, "chain.c32"));
        using var mount = Mount.ReadOnlyBind(snapshot);

        var result = Session.Run("New-MaasBootLink -Path $dest -WarningAction SilentlyContinue", Vars);
        var error = Failure(result);
        Assert.StartsWith("DestinationNotWritable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains("read-only", error.Exception.Message, StringComparison.Ordinal);
        Assert.StartsWith(Destination, Assert.IsType<string>(error.TargetObject), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sub")]
    public void A_symbolic_link_loop_as_Path_is_InvalidDestination(string below)
    {
        Directory.CreateDirectory(Destination);
        var loop = Path.Combine(Destination, "loop");
        File.CreateSymbolicLink(loop, "loop"); // ELOOP for anything that follows it
        AssertBothWritersRefuse(below.Length == 0 ? loop : Path.Combine(loop, below), "loops");
    }

    /// <summary>Save-MaasImage and Install-MaasBootloader both end with InvalidDestination for <paramref name="path"/>, saying why.</summary>
    private void AssertBothWritersRefuse(string path, string why)
    {
        var vars = Vars;
        vars["target"] = path;
        foreach (var command in new[] { $"{GaOnly} | Save-MaasImage -LiteralPath $target", "Install-MaasBootloader -Source $url -Keyring $keyring -LiteralPath $target -Type pxe" })
        {
            var error = Failure(Session.Run(command, vars));
            Assert.StartsWith("InvalidDestination,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal(path, error.TargetObject);
            Assert.Contains(why, error.Exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_name_longer_than_the_file_system_allows_is_InvalidDestination()
    {
        AssertBothWritersRefuse(Path.Combine(Destination, new string('x', 300)), "longer than the file system allows"); // NAME_MAX is 255 on Linux file systems
    }

    [Theory]
    [InlineData("Rack", "cache")]
    [InlineData("Mirror", "noble")]
    public void A_file_where_the_tree_needs_a_folder_is_DestinationIOError_not_a_raw_exception(string layout, string file)
    {
        Directory.CreateDirectory(Destination);
        File.WriteAllText(Path.Combine(Destination, file), "in the way");
        var vars = Vars;
        vars["layout"] = layout;
        var error = Failure(Session.Run($"{GaOnly} | Save-MaasImage -Path $dest -Layout $layout", vars));

        Assert.StartsWith("DestinationIOError,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.WriteError, error.CategoryInfo.Category);
        Assert.Equal(Destination, error.TargetObject);
        Assert.Contains(Path.Combine(Destination, file), error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("in the way", File.ReadAllText(Path.Combine(Destination, file)));
    }

    [MountFact]
    public void A_read_only_cache_under_a_writable_root_is_DestinationNotWritable_and_current_stays()
    {
        Assert.Empty(Session.Run($"{GaOnly} | Save-MaasImage -Path $dest", Vars).Errors);
        var current = new FileInfo(Path.Combine(Destination, "current")).LinkTarget;
        using var mount = Mount.ReadOnlyBind(Path.Combine(Destination, "cache"));

        var result = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch hwe-24.04 -Latest | Save-MaasImage -Path $dest -LockTimeoutSec 120", Vars);
        var error = Failure(result);
        Assert.StartsWith("DestinationNotWritable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(Destination, error.TargetObject);
        Assert.Contains("read-only", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(current, new FileInfo(Path.Combine(Destination, "current")).LinkTarget);
        Assert.Empty(Directory.GetDirectories(Destination, ".building-*"));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("parent-file")]
    [InlineData("proc")]
    public void A_path_that_cannot_be_a_folder_is_InvalidDestination(string kind)
    {
        Directory.CreateDirectory(Destination);
        var file = Path.Combine(Destination, "a-file");
        File.WriteAllText(file, "not a folder");
        var path = kind switch
        {
            "file" => file,
            "parent-file" => Path.Combine(file, "boot-resources"),
            _ => "/proc/maasimages-test",
        };
        var vars = Vars;
        vars["target"] = path;
        var result = Session.Run($"{GaOnly} | Save-MaasImage -LiteralPath $target", vars);

        var error = Failure(result);
        Assert.StartsWith("InvalidDestination,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(path, error.TargetObject);
        Assert.Equal("not a folder", File.ReadAllText(file));
        Assert.DoesNotContain(Server.Requests, r => !r.Path.Contains("streams/", StringComparison.Ordinal));
    }
}

/// <summary>A tmpfs mounted for a test and unmounted afterwards.</summary>
internal sealed class Mount : IDisposable
{
    private readonly string _path;

    private Mount(string path) => _path = path;

    public static Mount Tmpfs(string path, string options)
    {
        Directory.CreateDirectory(path);
        if (!Run("mount", $"-t tmpfs -o {options} tmpfs {path}")) throw new InvalidOperationException($"mount -o {options} {path} failed");
        return new Mount(path);
    }

    /// <summary>The folder itself, made read-only by a bind mount over it.</summary>
    public static Mount ReadOnlyBind(string path)
    {
        if (!Run("mount", $"--bind {path} {path}")) throw new InvalidOperationException($"mount --bind {path} failed");
        var mount = new Mount(path);
        mount.Remount("bind,ro");
        return mount;
    }

    public void Remount(string options)
    {
        if (!Run("mount", $"-o remount,{options} {_path}")) throw new InvalidOperationException($"remount -o {options} {_path} failed");
    }

    public void Dispose() => Run("umount", $"-l {_path}");

    /// <summary>True when mounting works here (Linux, root, mount(8) available); probed once.</summary>
    public static bool Possible => Probe.Value;

    private static readonly Lazy<bool> Probe = new(() =>
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess) return false;
        var dir = Path.Combine(Path.GetTempPath(), "maasimages-mount-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            if (!Run("mount", $"-t tmpfs -o size=64k tmpfs {dir}")) return false;
            Run("umount", dir);
            return true;
        }
        finally
        {
            Directory.Delete(dir);
        }
    });

    /// <summary>True when chattr +i works on files under the temp folder (root, ext4/xfs/btrfs); probed once.</summary>
    public static bool ImmutableFlagPossible => ImmutableProbe.Value;

    private static readonly Lazy<bool> ImmutableProbe = new(() =>
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess) return false;
        var file = Path.Combine(Path.GetTempPath(), "maasimages-chattr-probe-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "");
        try
        {
            if (!Run("chattr", $"+i {file}")) return false;
            Run("chattr", $"-i {file}");
            return true;
        }
        finally
        {
            File.Delete(file);
        }
    });

    public static bool Run(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (process is null) return false;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A test that mounts a tmpfs; skipped, with the reason shown, where that is not possible.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    public MountFactAttribute()
    {
        if (!Mount.Possible) Skip = "Needs root on Linux to mount a tmpfs (read-only, or small to fill up): skipped.";
    }
}

/// <summary>A test that sets the immutable flag (chattr +i); skipped, with the reason shown, where that is not possible.</summary>
public sealed class ImmutableFlagFactAttribute : FactAttribute
{
    public ImmutableFlagFactAttribute()
    {
        if (!Mount.ImmutableFlagPossible) Skip = "Needs root and a file system with the immutable flag (chattr +i) under the temp folder: skipped.";
    }
}
