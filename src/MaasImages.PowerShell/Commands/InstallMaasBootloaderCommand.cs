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
    private RunSummary? _summary;

    protected override string? IoFailureTarget => _destination;

    private protected override RunSummary? Summary => _summary;

    /// <summary>A stream name (stable, candidate); with -Source, a stream under that mirror base.</summary>
    [Parameter(ParameterSetName = SourcePathSet)]
    [Parameter(ParameterSetName = SourceLiteralPathSet)]
    [ArgumentCompleter(typeof(StreamNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>-Path / -LiteralPath: boot-resources (Rack) or the mirror root (Mirror); -Source default: images.maas.io.</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
    [
        SharedParameters.Stream.In(StreamPathSet, StreamLiteralPathSet), SharedParameters.Source.In(SourcePathSet, SourceLiteralPathSet),
        SharedParameters.Path.In(SourcePathSet, StreamPathSet).At(0), SharedParameters.LiteralPath.In(SourceLiteralPathSet, StreamLiteralPathSet),
        SharedParameters.MaximumRetryCount, SharedParameters.RetryIntervalSec, SharedParameters.StallTimeoutSec, SharedParameters.LockTimeoutSec,
        SharedParameters.Proxy, SharedParameters.ProxyCredential, SharedParameters.Arch, SharedParameters.Layout, SharedParameters.ThrottleLimit,
        SharedParameters.Force, SharedParameters.KeepSnapshots, SharedParameters.Prune, SharedParameters.PassThru,
    ];

    public MaasStream[]? Stream => Shared.Get<MaasStream[]?>(SharedParameters.Stream);
    public string? Source => Shared.Get<string?>(SharedParameters.Source);
    public string? Path => Shared.Get<string?>(SharedParameters.Path);
    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);
    public int MaximumRetryCount => Shared.Get<int>(SharedParameters.MaximumRetryCount);
    public int RetryIntervalSec => Shared.Get<int>(SharedParameters.RetryIntervalSec);
    public int StallTimeoutSec => Shared.Get<int>(SharedParameters.StallTimeoutSec);
    public int LockTimeoutSec => Shared.Get<int>(SharedParameters.LockTimeoutSec);
    public Uri? Proxy => Shared.Get<Uri?>(SharedParameters.Proxy);
    /// <summary>Architectures; a bootloader matches on its arch or any arch it serves (pxelinux i386 serves amd64).</summary>
    public string[]? Arch => Shared.Get<string[]?>(SharedParameters.Arch);
    public SaveLayout Layout => Shared.Get<SaveLayout>(SharedParameters.Layout);
    public SwitchParameter Force => Shared.Get<SwitchParameter>(SharedParameters.Force);
    public int KeepSnapshots => Shared.Get<int>(SharedParameters.KeepSnapshots);
    public SwitchParameter Prune => Shared.Get<SwitchParameter>(SharedParameters.Prune);
    public SwitchParameter PassThru => Shared.Get<SwitchParameter>(SharedParameters.PassThru);

    /// <summary>Bootloader types to install (default: every type MAAS installs).</summary>
    [Parameter]
    [ValidateSet("pxe", "uefi", "open-firmware")]
    public string[]? Type { get; set; }

    /// <summary>Every bootloader product of the stream, not only the four MAAS installs (adds e.g. pxelinux pxe/amd64).</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        ResolveKeyring();
        LayoutParameters.EnsureFits(this, Layout, MyInvocation.BoundParameters);
        _destination = DestinationPaths.Resolve(this, Path, LiteralPath);
        _summary = new RunSummary("Install-MaasBootloader", Layout, EmitVerbose, EmitInformation);
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // -Proxy: the metadata reads below (index, products documents) go through it too.
        HttpClientProvider.Use(TransferParameters.Client(Shared));
        // Each stream installed is a run that ends with one summary line, however it ends.
        _summary!.Begin();
        await ForEachStreamAsync(ParameterSetName.StartsWith("Stream", StringComparison.Ordinal) ? Stream ?? [] : null, Name, Source,
            stream => InstallAsync(stream, cancellationToken), cancellationToken).ConfigureAwait(false);
        _summary.DidNothing("no stream could be read."); // only when no stream came to InstallAsync (its error is above)
    }

    private async Task InstallAsync(MaasStream stream, CancellationToken cancellationToken)
    {
        _summary!.Begin();
        var query = new BootloaderQuery { Types = Type ?? [], Arches = Arch ?? [], All = All.IsPresent };
        IReadOnlyList<MaasImageVersion> bootloaders;
        try
        {
            bootloaders = await BootloaderInstaller.SelectAsync(stream, query, EmitWarning,
                typos => { foreach (var warning in TypoWarnings.For(typos, "bootloader", $"stream '{stream.Name}'")) EmitWarning(warning); },
                cancellationToken).ConfigureAwait(false);
        }
        catch (MaasImagesException error)
        {
            EmitError(error);
            _summary.DidNothing($"the bootloaders of stream '{stream.Name}' could not be selected ({error.ErrorId}).");
            return;
        }
        if (bootloaders.Count == 0)
        {
            EmitWarning($"Stream '{stream.Name}' has no bootloader matching the selection: nothing to install.");
            _summary.DidNothing($"stream '{stream.Name}' has no bootloader matching the selection.");
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
            Transfer = TransferParameters.Options(Shared),
        };
        // -WhatIf: the plan only reads the destination. Engine errors end the command with their ids.
        var plan = BootloaderInstaller.Plan(bootloaders, options);
        var description = SavePlanText.Describe(plan, bootloaders: true, bootloaders.Count, Layout, _destination!);
        if (!await ShouldProcessAsync(description, description + Environment.NewLine + "Install them?", "Install-MaasBootloader").ConfigureAwait(false))
        {
            if (IsWhatIf) foreach (var line in SavePlanText.Fetches(plan)) EmitVerbose(line);
            if (IsWhatIf) _summary.Close();
            else _summary.DidNothing("the confirmation was declined.");
            return;
        }

        var observer = new TransferProgress("Installing MAAS bootloaders", EmitProgress, EmitVerbose, EmitWarning, EmitErrorAndWait, _summary);
        var installed = await BootloaderInstaller.InstallAsync(bootloaders, options, observer, cancellationToken).ConfigureAwait(false);
        if (PassThru.IsPresent) Emit(installed, enumerateCollection: true);
    }
}
