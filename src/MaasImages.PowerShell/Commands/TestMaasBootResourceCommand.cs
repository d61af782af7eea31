using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Re-hashes every file a rack tree or mirror serves against what was recorded when it was saved:
/// one result per file (Ok, Corrupt, Missing, Unexpected, NotRecorded), or one bool with -Quiet.
/// -Repair fetches corrupt and missing files again and, for a rack, switches current to a new snapshot.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MaasBootResource", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaasBootResourceCheck), typeof(bool))]
public sealed class TestMaasBootResourceCommand : AsyncPSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Fetch corrupt and missing files again (rack: into a new snapshot, current switched atomically).</summary>
    [Parameter]
    public SwitchParameter Repair { get; set; }

    /// <summary>Return only True (every file is intact, or was repaired) or False.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>
    /// -Path / -LiteralPath: a boot-resources folder (or a snapshot, or current) or a mirror root;
    /// -Source: a stream to repair from instead of the source recorded at save time.
    /// </summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
        [SharedParameters.Path.In(PathSet).At(0), SharedParameters.LiteralPath.In(LiteralPathSet), SharedParameters.Source, SharedParameters.LockTimeoutSec];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);

    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);

    public string? Source => Shared.Get<string?>(SharedParameters.Source);

    public int LockTimeoutSec => Shared.Get<int>(SharedParameters.LockTimeoutSec);

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var folder = DestinationPaths.Resolve(this, Path, LiteralPath);
        // A folder -Source names is resolved here, where the current location is known; a bad one ends the command.
        var source = SourceArguments.Resolve(this, Source);
        return TestAsync(folder, source, cancellationToken);
    }

    private async Task TestAsync(string folder, string? source, CancellationToken cancellationToken)
    {
        var options = new VerifyOptions
        {
            Source = source,
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
            Transfer = TransferParameters.Defaults(),
        };
        var observer = new TransferProgress("Verifying MAAS boot resources", EmitProgress, EmitVerbose, EmitWarning, EmitErrorAndWait);
        void Error(Engine.Errors.MaasImagesException error) => EmitError(ErrorRecords.From(error));
        var checks = await BootResourceVerifier.VerifyAsync(folder, options, observer, Error, cancellationToken).ConfigureAwait(false);
        var broken = checks.Count(c => c.Status is MaasFileCheckStatus.Corrupt or MaasFileCheckStatus.Missing);
        if (Repair.IsPresent && broken > 0 && await ShouldProcessAsync(folder, $"Fetch {Engine.Formatting.Counted.Of(broken, "corrupt or missing file")} again and put them in place").ConfigureAwait(false))
            await BootResourceVerifier.RepairAsync(folder, checks, options, observer, Error, cancellationToken).ConfigureAwait(false);
        if (Quiet.IsPresent) Emit(checks.All(c => c.IsHealthy));
        else Emit(checks, enumerateCollection: true);
    }
}
