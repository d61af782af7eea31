using System.Management.Automation;
using MaasImages.Engine.Streams;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>The cmdlets in-process: parameter binding, pipeline, errors, views, completion, stopping.</summary>
public sealed class CmdletTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private static Dictionary<string, object?> Sample => new() { ["sample"] = PowerShellSession.SampleStream };

    [Fact]
    public void Get_MaasStream_reads_a_folder_into_a_typed_object()
    {
        var result = _session.Run("Get-MaasStream -Source $sample -Keyring $keyring", Sample);
        Assert.Empty(result.Errors);
        var stream = Assert.Single(result.Objects<MaasStream>());
        Assert.Equal("stable", stream.Name);
        Assert.Equal(StreamSignatureStatus.Verified, stream.SignatureStatus); // signed sample, trusted key passed with -Keyring
        Assert.Equal(16, stream.ProductCount);
    }

    [Fact]
    public void A_relative_source_is_resolved_against_the_powershell_location_not_the_process()
    {
        var result = _session.Run("Set-Location (Split-Path $sample); Get-MaasStream -Source ./stream -Keyring $keyring", Sample);
        Assert.Empty(result.Errors);
        Assert.Equal(new Uri(PowerShellSession.SampleStream + "/"), Assert.Single(result.Objects<MaasStream>()).Uri);
    }

    [Fact]
    public void Streams_pipe_into_Get_MaasImageVersion_with_typed_filters()
    {
        var result = _session.Run("Get-MaasStream -Source $sample -Keyring $keyring | Get-MaasImageVersion -Release jammy -Arch amd64 -Latest", Sample);
        Assert.Empty(result.Errors);
        var images = result.Objects<MaasImageVersion>();
        Assert.Equal(3, images.Length);
        Assert.All(images, i => Assert.Equal("20250718", i.VersionName));
    }

    [Fact]
    public void Positional_release_and_filter_language_combine()
    {
        var result = _session.Run("Get-MaasImageVersion noble -Source $sample -Keyring $keyring -Filter 'arch=arm64', 'subarch~^hwe' -MaxVersions 5", Sample);
        Assert.Empty(result.Errors);
        var images = result.Objects<MaasImageVersion>();
        Assert.Equal(2, images.Length);
        Assert.All(images, i => Assert.Equal(("noble", "arm64", "hwe-24.04"), (i.Release, i.Arch, i.Subarch)));
    }

    [Fact]
    public void Skipped_content_is_reported_verbosely()
    {
        var result = _session.Run("Get-MaasImageVersion -Source $sample -Keyring $keyring -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message", Sample);
        Assert.Contains(result.Output.Select(o => o.ToString()), m => m.Contains("bootloader-download", StringComparison.Ordinal) && m.Contains("Skipping", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_stream_is_a_non_terminating_error_with_a_stable_id()
    {
        var result = _session.Run("Get-MaasStream -Source (Join-Path $sample nope) -Keyring $keyring; 'carried on'", Sample);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("StreamNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("carried on", Assert.Single(result.Output).ToString());
    }

    [Fact]
    public void A_bad_filter_stops_the_command_with_InvalidFilter()
    {
        var result = _session.Run("try { Get-MaasImageVersion -Source $sample -Keyring $keyring -Filter 'bogus' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }", Sample);
        Assert.StartsWith("InvalidFilter,", Assert.Single(result.Output).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Latest_and_a_different_MaxVersions_conflict()
    {
        var result = _session.Run("try { Get-MaasImageVersion -Source $sample -Keyring $keyring -Latest -MaxVersions 2 } catch { $_.FullyQualifiedErrorId }", Sample);
        Assert.StartsWith("LatestConflictsWithMaxVersions,", Assert.Single(result.Output).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_Keyring_the_sample_stream_is_not_trusted_nothing_process_wide_trusts_it()
    {
        // Tests pass -Keyring explicitly; a process-wide $MAASIMAGES_KEYRING (once set by a module
        // initializer) would make this read verify, and could change under tests running in parallel.
        var result = _session.Run("Get-MaasStream -Source $sample", Sample);
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.Matches("^(KeyringNotFound|SignatureInvalid),", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void A_missing_keyring_file_is_KeyringNotFound()
    {
        var result = _session.Run("try { Get-MaasStream -Source $sample -Keyring ./no-such.gpg } catch { $_.FullyQualifiedErrorId }", Sample);
        Assert.StartsWith("KeyringNotFound,", Assert.Single(result.Output).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Default_views_show_readable_sizes_within_120_columns()
    {
        var result = _session.Run("Get-MaasImageVersion -Source $sample -Keyring $keyring -Release jammy -Latest | Out-String -Width 120", Sample);
        var text = Assert.Single(result.Output).ToString();
        Assert.Contains("VersionName", text, StringComparison.Ordinal);
        Assert.Contains("KiB", text, StringComparison.Ordinal);
        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 120, line));

        var files = _session.Run("(Get-MaasImageVersion -Source $sample -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest).Files | Out-String", Sample);
        Assert.Contains("squashfs", Assert.Single(files.Output).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_cmdlet_declares_its_output_type()
    {
        var result = _session.Run("Get-Command -Module MaasImages | ForEach-Object { '{0}={1}' -f $_.Name, ($_.OutputType.Type.Name -join ',') }");
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.Contains("Get-MaasStream=MaasStream", lines);
        Assert.Contains("Get-MaasImageVersion=MaasImageVersion", lines);
    }

    [Theory]
    [InlineData("Get-MaasStream ", "candidate")]
    [InlineData("Get-MaasStream -Name st", "stable")]
    [InlineData("Get-MaasImageVersion -Release ja", "jammy")]
    [InlineData("Get-MaasImageVersion -Arch ar", "arm64")]
    [InlineData("Get-MaasImageVersion -Subarch hwe-22", "hwe-22.04")]
    public void Argument_completers_offer_known_values_without_network(string input, string expected)
    {
        var result = _session.Run("(TabExpansion2 -inputScript $text -cursorColumn $text.Length).CompletionMatches.CompletionText",
            new Dictionary<string, object?> { ["text"] = input });
        Assert.Contains(expected, result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Completion_learns_values_from_streams_read_in_the_session()
    {
        _session.Run("Get-MaasImageVersion -Source $sample -Keyring $keyring | Out-Null", Sample);
        var result = _session.Run("(TabExpansion2 -inputScript 'Get-MaasImageVersion -Release 2' -cursorColumn 31).CompletionMatches.CompletionText");
        Assert.Contains("22.04", result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public async Task Stop_cancels_a_read_from_a_stalled_server_promptly()
    {
        await using var server = await StreamServer.StartAsync(PowerShellSession.SampleStream);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        server.Faults.Add("*index.sjson", Fault.Hold(0, never.Task, reached), count: -1);
        using var ps = _session.Create("Get-MaasStream -Source $url -Keyring $keyring", new Dictionary<string, object?> { ["url"] = server.BaseUri.AbsoluteUri });
        var pending = ps.BeginInvoke();
        await reached.Task.WaitAsync(TimeSpan.FromMinutes(2)); // the read is under way, held by the server
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.Factory.FromAsync(ps.BeginStop(null, null), ps.EndStop);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {watch.Elapsed}");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(pending.IsCompleted);
    }
}
