using System.Management.Automation;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MaasImages.Engine.Publishing;
using MaasImages.Engine.Transfer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Base of the Publish-MaasMirror tests against Azurite: mirrors saved from the served sample
/// stream, fresh container names, a client with the development account's key to look at what
/// was published, and the checks they share.
/// </summary>
public abstract class AzuritePublishTests(AzuriteServer azurite, string prefix) : ServedSampleTests(prefix)
{
    protected const string SaveNoble = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $mirror -Layout Mirror";

    protected AzuriteServer Azurite { get; } = azurite;

    /// <summary>$mirror, $container and $cs (Azurite's connection string) besides $url and $dest.</summary>
    protected Dictionary<string, object?> VarsFor(string mirror, Uri container) => new(Vars)
    {
        ["mirror"] = mirror,
        ["container"] = container.AbsoluteUri,
        ["cs"] = Azurite.ConnectionString,
    };

    /// <summary>A mirror under the destination, made by the given Save-MaasImage pipelines.</summary>
    protected string NewMirror(string name, params string[] saves)
    {
        var mirror = Path.Combine(Destination, name);
        foreach (var save in saves) Assert.Empty(Session.Run(save, VarsFor(mirror, Azurite.ContainerUri("unused"))).Errors);
        return mirror;
    }

    protected static string NewContainerName() => "c" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>The container, seen with the account key (whatever the test gave the cmdlet).</summary>
    protected BlobContainerClient Container(string name) =>
        new(new Uri($"{Azurite.AccountUri.AbsoluteUri}/{name}"), new StorageSharedKeyCredential(AzuriteServer.Account, AzuriteServer.AccountKey));

    /// <summary>The error record a script of the form "try { … -ErrorAction Stop } catch { $_ }" returned.</summary>
    protected static ErrorRecord CaughtError(PowerShellSession.Result result) => (ErrorRecord)Assert.Single(result.Output).BaseObject;

    /// <summary>Every file of the mirror is a blob with the same bytes and its sha256 recorded, and nothing else is there.</summary>
    protected static async Task AssertMirrorEquals(string mirror, BlobContainerClient container, string prefix = "")
    {
        var local = MirrorPublisher.LocalFiles(mirror);
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix.Length == 0 ? null : prefix, default)) blobs.Add(blob.Name[prefix.Length..]);
        Assert.Equal(local.Select(f => f.Name).Order(StringComparer.Ordinal), blobs.Order(StringComparer.Ordinal));
        foreach (var file in local)
        {
            var blob = container.GetBlobClient(prefix + file.Name);
            var content = (await blob.DownloadContentAsync()).Value;
            Assert.Equal(File.ReadAllBytes(file.Path), content.Content.ToArray()); // byte for byte: signatures stay valid
            var properties = (await blob.GetPropertiesAsync()).Value;
            Assert.Equal(file.Sha256, properties.Metadata[AzureBlobMirrorStore.Sha256Key]);
        }
    }

    /// <summary>The names of the blobs in a container (none when it does not exist).</summary>
    protected async Task<List<string>> BlobNames(string container)
    {
        var names = new List<string>();
        if (!(await Container(container).ExistsAsync()).Value) return names;
        await foreach (var blob in Container(container).GetBlobsAsync()) names.Add(blob.Name);
        return names;
    }

    /// <summary>An observer for engine calls whose progress the test does not look at.</summary>
    protected sealed class SilentObserver : ITransferObserver
    {
        public void OnProgress(TransferSnapshot snapshot)
        {
        }

        public void OnFileCompleted(FileResult result)
        {
        }

        public void OnMessage(string message)
        {
        }

        public void OnWarning(string message)
        {
        }
    }
}
