using System.Globalization;
using System.Management.Automation;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Downloads, verifies and lays out image versions: as a MAAS rack controller does (default) or as
/// a servable simplestreams mirror. Collects the whole pipeline input, plans once, then downloads.
/// </summary>
[Cmdlet(VerbsData.Save, "MaasImage", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaasSavedImage))]
public sealed class SaveMaasImageCommand : AsyncPSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private readonly List<MaasImageVersion> _images = [];

    /// <summary>Image versions from Get-MaasImageVersion (or the Upstream of Compare-MaasBootResource's results, by property name).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Upstream")]
    [ValidateNotNull]
    public MaasImageVersion[]? InputObject { get; set; }

    /// <summary>The destination folder (boot-resources for Rack, the mirror root for Mirror). Wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The destination folder, taken literally.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    [Parameter]
    public SaveLayout Layout { get; set; } = SaveLayout.Rack;

    /// <summary>Files downloaded at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Re-hash everything already present and re-fetch what is wrong.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Remove what is no longer selected (Mirror: files of other versions; Rack: other images).</summary>
    [Parameter]
    public SwitchParameter Prune { get; set; }

    /// <summary>Rack: previous snapshots kept besides current after the switch (default 0: only current, as MAAS).</summary>
    [Parameter]
    [ValidateRange(0, 1000)]
    public int KeepSnapshots { get; set; }

    /// <summary>Mirror: the newest versions kept per product (default 0: no limit); older versions' files are removed.</summary>
    [Parameter]
    [ValidateRange(0, 1000)]
    public int KeepVersions { get; set; }

    /// <summary>Emit a MaasSavedImage per image.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Attempts per file after a transient failure (network, stall, 408/429/5xx).</summary>
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

    /// <summary>An HTTP proxy for the downloads (default: HTTP(S)_PROXY / NO_PROXY).</summary>
    [Parameter]
    public Uri? Proxy { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? ProxyCredential { get; set; }

    private string? _destination;
    private TransferProgress? _observer;

    protected override string? IoFailureTarget => _destination;

    protected override string? TakeStoppedNote() => _observer?.TakePartialsKeptNote();

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        LayoutParameters.EnsureFits(this, Layout, MyInvocation.BoundParameters);
        _destination = DestinationPaths.Resolve(this, Path, LiteralPath);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _images.AddRange(InputObject ?? []);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_images.Count == 0)
        {
            EmitWarning("No image versions came down the pipeline: nothing to save.");
            return;
        }
        var options = new SaveOptions
        {
            Destination = _destination!,
            Layout = Layout,
            Force = Force.IsPresent,
            Prune = Prune.IsPresent,
            KeepSnapshots = KeepSnapshots,
            KeepVersions = KeepVersions,
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
            Transfer = TransferParameters.Options(ThrottleLimit, MaximumRetryCount, RetryIntervalSec, StallTimeoutSec, Force.IsPresent, Proxy, ProxyCredential),
        };

        // Engine errors (lock, disk space, checksum, download) end the command with their ids.
        {
            // -WhatIf: the plan only reads the destination.
            var plan = ImageSaver.Plan(_images, options);
            var description = SavePlanText.Describe(plan, bootloaders: false, _images.Count, Layout, _destination!);
            if (!await ShouldProcessAsync(description, description + Environment.NewLine + "Save them?", "Save-MaasImage").ConfigureAwait(false))
            {
                if (IsWhatIf) foreach (var line in SavePlanText.Fetches(plan)) EmitVerbose(line);
                return;
            }

            _observer = new TransferProgress("Saving MAAS images", EmitProgress, EmitVerbose, EmitWarning, EmitErrorAndWait, EmitInformation);
            var saved = await ImageSaver.SaveAsync(_images, options, _observer, cancellationToken).ConfigureAwait(false);
            if (PassThru.IsPresent) Emit(saved, enumerateCollection: true);
        }
    }
}
