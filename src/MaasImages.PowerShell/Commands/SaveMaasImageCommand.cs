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

    /// <summary>-Path / -LiteralPath: the destination folder (boot-resources for Rack, the mirror root for Mirror).</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
    [
        SharedParameters.Path.In(PathSet).At(0), SharedParameters.LiteralPath.In(LiteralPathSet),
        SharedParameters.Layout, SharedParameters.ThrottleLimit, SharedParameters.Force, SharedParameters.Prune, SharedParameters.KeepSnapshots,
        SharedParameters.KeepVersions, SharedParameters.PassThru, SharedParameters.MaximumRetryCount, SharedParameters.RetryIntervalSec,
        SharedParameters.StallTimeoutSec, SharedParameters.LockTimeoutSec, SharedParameters.Proxy, SharedParameters.ProxyCredential,
    ];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);
    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);
    public SaveLayout Layout => Shared.Get<SaveLayout>(SharedParameters.Layout);
    public SwitchParameter Force => Shared.Get<SwitchParameter>(SharedParameters.Force);
    public SwitchParameter Prune => Shared.Get<SwitchParameter>(SharedParameters.Prune);
    public int KeepSnapshots => Shared.Get<int>(SharedParameters.KeepSnapshots);
    public int KeepVersions => Shared.Get<int>(SharedParameters.KeepVersions);
    public SwitchParameter PassThru => Shared.Get<SwitchParameter>(SharedParameters.PassThru);
    public int MaximumRetryCount => Shared.Get<int>(SharedParameters.MaximumRetryCount);
    public int RetryIntervalSec => Shared.Get<int>(SharedParameters.RetryIntervalSec);
    public int StallTimeoutSec => Shared.Get<int>(SharedParameters.StallTimeoutSec);
    public int LockTimeoutSec => Shared.Get<int>(SharedParameters.LockTimeoutSec);

    private string? _destination;
    private RunSummary? _summary;

    protected override string? IoFailureTarget => _destination;

    private protected override RunSummary? Summary => _summary;

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        LayoutParameters.EnsureFits(this, Layout, MyInvocation.BoundParameters);
        _destination = DestinationPaths.Resolve(this, Path, LiteralPath);
        // From here on the run ends with one summary line, however it ends.
        _summary = new RunSummary("Save-MaasImage", Layout, EmitVerbose, EmitInformation);
        _summary.Begin();
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
            _summary!.DidNothing("no image versions came down the pipeline.");
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
            Transfer = TransferParameters.Options(Shared),
        };

        // Engine errors (lock, disk space, checksum, download) end the command with their ids.
        {
            // -WhatIf: the plan only reads the destination.
            var plan = ImageSaver.Plan(_images, options);
            var description = SavePlanText.Describe(plan, bootloaders: false, _images.Count, Layout, _destination!);
            if (!await ShouldProcessAsync(description, description + Environment.NewLine + "Save them?", "Save-MaasImage").ConfigureAwait(false))
            {
                if (IsWhatIf) foreach (var line in SavePlanText.Fetches(plan)) EmitVerbose(line);
                if (IsWhatIf) _summary!.Close();
                else _summary!.DidNothing("the confirmation was declined.");
                return;
            }

            var observer = new TransferProgress("Saving MAAS images", EmitProgress, EmitVerbose, EmitWarning, EmitErrorAndWait, _summary);
            var saved = await ImageSaver.SaveAsync(_images, options, observer, cancellationToken).ConfigureAwait(false);
            if (PassThru.IsPresent) Emit(saved, enumerateCollection: true);
        }
    }
}
