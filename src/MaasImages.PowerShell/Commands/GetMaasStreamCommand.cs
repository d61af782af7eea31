using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>Reads a stream's index: what it holds, when it was updated, whether it is signed.</summary>
[Cmdlet(VerbsCommon.Get, "MaasStream")]
[OutputType(typeof(MaasStream))]
public sealed class GetMaasStreamCommand : StreamReadingCmdlet
{
    /// <summary>Stream names (stable, candidate…). Alone: under https://images.maas.io/ephemeral-v3/; with -Source: under that mirror base.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(StreamNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>-Source, also from piped objects' Source.</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses => [SharedParameters.Source.ByPropertyName()];

    public string? Source => Shared.Get<string?>(SharedParameters.Source);

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        ResolveKeyring();
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var source = ResolveSourceArgument(Source);
        var names = Name is { Length: > 0 } ? Name.Cast<string?>() : [null];
        foreach (var name in names)
        {
            try
            {
                Emit(await OpenStreamAsync(StreamSource.Resolve(name, source), cancellationToken).ConfigureAwait(false));
            }
            catch (MaasImagesException error)
            {
                EmitError(error);
            }
        }
    }
}
