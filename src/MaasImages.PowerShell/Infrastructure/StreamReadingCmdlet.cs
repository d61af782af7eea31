using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Completion;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// Base of every cmdlet that reads stream metadata: the signature parameters and opening a
/// stream from a name, URL or folder (folders resolved against the PowerShell location).
/// </summary>
public abstract class StreamReadingCmdlet : AsyncPSCmdlet
{
    /// <summary>An OpenPGP keyring (binary or armored) to verify signed metadata with.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Keyring { get; set; }

    /// <summary>Read metadata whose signature is absent or not verified.</summary>
    [Parameter]
    public SwitchParameter SkipSignatureCheck { get; set; }

    /// <summary>Checks parameters that need the pipeline thread (paths); call from BeginProcessing.</summary>
    protected void ResolveKeyring()
    {
        if (Keyring is null) return;
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Keyring);
        if (!File.Exists(path))
        {
            ThrowTerminatingError(ErrorRecords.Create("KeyringNotFound", ErrorCategory.ObjectNotFound,
                $"Keyring '{path}' does not exist. Pass a binary or armored OpenPGP public keyring with -Keyring.", Keyring));
        }
        Keyring = path;
    }

    /// <summary>Turns a -Source value into something the engine reads: URLs as given, paths made absolute.</summary>
    protected string? ResolveSourceArgument(string? source) => SourceArguments.Resolve(this, source);

    protected async Task<MaasStream> OpenStreamAsync(StreamSource source, CancellationToken cancellationToken)
    {
        EmitVerbose($"Reading stream index from {source}");
        var options = new StreamReadOptions { SkipSignatureCheck = SkipSignatureCheck.IsPresent, KeyringPath = Keyring };
        var stream = await StreamClient.OpenAsync(source, options, cancellationToken).ConfigureAwait(false);
        if (stream.SignatureStatus == StreamSignatureStatus.Skipped)
            EmitWarning($"Stream '{stream.Name}' is signed, but its signature was not checked (-SkipSignatureCheck): its metadata is trusted as is.");
        else if (stream.SignatureStatus == StreamSignatureStatus.Unsigned)
            EmitWarning($"Stream '{stream.Name}' is not signed; reading it unverified because of -SkipSignatureCheck.");
        else
            EmitVerbose($"Stream '{stream.Name}': signature verified, key {stream.SignedBy} ({stream.SignerUserId}).");
        CompletionCatalog.Remember(stream);
        return stream;
    }

    /// <summary>
    /// Runs <paramref name="work"/> for each stream that came down the pipeline or, without one,
    /// for the stream opened from the name/source; a stream that cannot be opened is a
    /// non-terminating error.
    /// </summary>
    protected async Task ForEachStreamAsync(MaasStream[]? piped, string? name, string? source, Func<MaasStream, Task> work,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (piped is not null)
        {
            foreach (var stream in piped) await work(stream).ConfigureAwait(false);
            return;
        }
        MaasStream opened;
        try
        {
            opened = await OpenStreamAsync(StreamSource.Resolve(name, ResolveSourceArgument(source)), cancellationToken).ConfigureAwait(false);
        }
        catch (MaasImagesException error)
        {
            EmitError(error);
            return;
        }
        await work(opened).ConfigureAwait(false);
    }

    /// <summary>
    /// Non-terminating error for an engine failure; the cmdlet carries on with the next input once
    /// it is written (under -ErrorAction Stop the work ends here, before anything after it runs).
    /// </summary>
    protected void EmitError(MaasImagesException error) => EmitErrorAndWait(ErrorRecords.From(error));
}
