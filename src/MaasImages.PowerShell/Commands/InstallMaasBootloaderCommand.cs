using System.Globalization;
using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Fetches a stream's bootloader archives (verified) and installs them as a MAAS rack controller
/// does: extracted into bootloader/&lt;type&gt;/&lt;arch&gt;/ of a new snapshot with ipxe.cfg,
/// grub/grub.cfg, maas.meta entries and the root links, then <c>current</c> switched. Or, with
/// -Layout Mirror, the archives at their upstream paths.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "MaasBootloader", SupportsShouldProcess = true, DefaultParameterSetName = SourcePathSet)]
[OutputType(typeof(MaasBootloader))]
public sealed class InstallMaasBootloaderCommand : StreamReadingCmdlet
{
    // Where the streams come from (pipeline or -Source/-Name) times how the destination is given.
    private const string StreamPathSet = "StreamPath";
    private const string StreamLiteralPathSet = "StreamLiteralPath";
    private const string SourcePathSet = "SourcePath";
    private const string SourceLiteralPathSet = "SourceLiteralPath";

    private string? _destination;
    private TransferProgress? _observer;

    protected override string? IoFailureTarget => _destination;

    protected override string? TakeStoppedNote() => _observer?.TakePartialsKeptNote();

    /// <summary>Streams from Get-MaasStream.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = StreamPathSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = StreamLiteralPathSet)]
    [Alias("InputObject")]
    public MaasStream[]? Stream { get; set; }

    /// <summary>A stream root or index (URL or folder); default: images.maas.io.</summary>
    [Parameter(ParameterSetName = SourcePathSet)]
    [Parameter(ParameterSetName = SourceLiteralPathSet)]
    [ValidateNotNullOrEmpty]
    public string? Source { get; set; }

    /// <summary>A stream name (stable, candidate); with -Source, a stream under that mirror base.</summary>
    [Parameter(ParameterSetName = SourcePathSet)]
    [Parameter(ParameterSetName = SourceLiteralPathSet)]
    [ArgumentCompleter(typeof(StreamNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The destination: boot-resources (Rack) or the mirror root (Mirror). Wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SourcePathSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StreamPathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The destination, taken literally (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SourceLiteralPathSet)]
    [Parameter(Mandatory = true, ParameterSetName = StreamLiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    /// <summary>Attempts per archive after a transient failure (network, stall, 408/429/5xx).</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int MaximumRetryCount { get; set; } = TransferParameters.DefaultMaximumRetryCount;

    /// <summary>First wait between attempts, doubled each time (Retry-After wins).</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int RetryIntervalSec { get; set; } = TransferParameters.DefaultRetryIntervalSec;

    /// <summary>Seconds without a byte before a transfer counts as stalled and is retried.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int StallTimeoutSec { get; set; } = TransferParameters.DefaultStallTimeoutSec;

    /// <summary>Seconds to wait for another run that holds the destination.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int LockTimeoutSec { get; set; } = TransferParameters.DefaultLockTimeoutSec;

    /// <summary>An HTTP proxy for the metadata reads and downloads of this command (default: HTTP(S)_PROXY / NO_PROXY).</summary>
    [Parameter]
    public Uri? Proxy { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>Bootloader types to install (default: every type MAAS installs).</summary>
    [Parameter]
    [ValidateSet("pxe", "uefi", "open-firmware")]
    public string[]? Type { get; set; }

    /// <summary>Architectures; a bootloader matches on its arch or any arch it serves (pxelinux i386 serves amd64).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ArchCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Arch { get; set; }

    /// <summary>Every bootloader product of the stream, not only the four MAAS installs (adds e.g. pxelinux pxe/amd64).</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    [Parameter]
    public SaveLayout Layout { get; set; } = SaveLayout.Rack;

    /// <summary>Archives downloaded at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Re-fetch and re-extract the archives, and replace files or folders where a root link belongs.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Rack: previous snapshots kept besides current after the switch (default 0: only current, as MAAS).</summary>
    [Parameter]
    [ValidateRange(0, 1000)]
    public int KeepSnapshots { get; set; }

    /// <summary>Remove the bootloaders not selected by this run (never images): rack folders and maas.meta entries, mirror archives.</summary>
    [Parameter]
    public SwitchParameter Prune { get; set; }

    /// <summary>Emit a MaasBootloader per installed bootloader.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        ResolveKeyring();
        LayoutParameters.EnsureFits(this, Layout, MyInvocation.BoundParameters);
        _destination = DestinationPaths.Resolve(this, Path, LiteralPath);
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // -Proxy: the metadata reads below (index, products documents) go through it too.
        HttpClientProvider.Use(HttpClientProvider.ForProxy(Proxy, ProxyCredential?.GetNetworkCredential()));
        await ForEachStreamAsync(ParameterSetName.StartsWith("Stream", StringComparison.Ordinal) ? Stream ?? [] : null, Name, Source,
            stream => InstallAsync(stream, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task InstallAsync(MaasStream stream, CancellationToken cancellationToken)
    {
        var query = new BootloaderQuery { Types = Type ?? [], Arches = Arch ?? [], All = All.IsPresent };
        IReadOnlyList<MaasImageVersion> bootloaders;
        try
        {
            bootloaders = await BootloaderInstaller.SelectAsync(stream, query, EmitWarning, cancellationToken).ConfigureAwait(false);
        }
        catch (MaasImagesException error)
        {
            EmitError(error);
            return;
        }
        if (bootloaders.Count == 0)
        {
            EmitWarning($"Stream '{stream.Name}' has no bootloader matching the selection: nothing to install.");
            return;
        }
        foreach (var bootloader in bootloaders)
            EmitVerbose($"Selected {bootloader.ProductName} {bootloader.VersionName}.");

        var options = new SaveOptions
        {
            Destination = _destination!,
            Layout = Layout,
            Force = Force.IsPresent,
            KeepSnapshots = KeepSnapshots,
            Prune = Prune.IsPresent,
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
            Transfer = TransferParameters.Options(ThrottleLimit, MaximumRetryCount, RetryIntervalSec, StallTimeoutSec, Force.IsPresent, Proxy, ProxyCredential),
        };
        // -WhatIf: the plan only reads the destination. Engine errors end the command with their ids.
        var plan = BootloaderInstaller.Plan(bootloaders, options);
        var description = SavePlanText.Describe(plan, bootloaders: true, bootloaders.Count, Layout, _destination!);
        if (!await ShouldProcessAsync(description, description + Environment.NewLine + "Install them?", "Install-MaasBootloader").ConfigureAwait(false))
        {
            if (IsWhatIf) foreach (var line in SavePlanText.Fetches(plan)) EmitVerbose(line);
            return;
        }

        _observer = new TransferProgress("Installing MAAS bootloaders", EmitProgress, EmitVerbose, EmitWarning, EmitErrorAndWait, EmitInformation);
        var installed = await BootloaderInstaller.InstallAsync(bootloaders, options, _observer, cancellationToken).ConfigureAwait(false);
        if (PassThru.IsPresent) Emit(installed, enumerateCollection: true);
    }
}
