using System.Management.Automation;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using MaasImages.Engine.Publishing;
using MaasImages.Engine.Transfer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Publish-MaasMirror against a real Azure Storage implementation (Azurite on loopback): first
/// publish, no-op re-publish, a new version, prune, an interrupted publish resumed, credentials,
/// and the published mirror read back over HTTP the way a MAAS region reads it.
/// </summary>
public sealed class PublishMirrorTests(AzuriteServer azurite) : AzuritePublishTests(azurite, "maasimages-publish-"), IClassFixture<AzuriteServer>
{
    private const string SaveJammy = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Arch amd64 -Latest | Save-MaasImage -Path $mirror -Layout Mirror";

    private static List<string> Uploads(PowerShellSession.Result result, string verb) =>
        result.Verbose.Where(v => v.Contains($": {verb}", StringComparison.Ordinal)).Select(v => v[..v.IndexOf(": ", StringComparison.Ordinal)]).ToList();

    [AzuriteFact]
    public async Task First_publish_uploads_every_file_payloads_then_documents_then_index_and_a_rerun_sends_nothing()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var vars = VarsFor(mirror, Azurite.ContainerUri(name));
        var local = MirrorPublisher.LocalFiles(mirror);

        var first = Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs -Verbose", vars);
        Assert.Empty(first.Errors);
        var publication = first.Objects<MaasMirrorPublication>().Single();
        Assert.Equal(local.Count, publication.Uploaded);
        Assert.Equal(0, publication.Skipped);
        Assert.Equal(local.Sum(f => f.Size), publication.BytesSent);
        Assert.DoesNotContain(local, f => f.Name.StartsWith('.') || f.Name.Contains("/.", StringComparison.Ordinal)); // the module's state stays local
        await AssertMirrorEquals(mirror, Container(name));

        // Payloads, then products documents, then streams/v1/index.*: each phase ends before the next begins.
        var phases = Uploads(first, "uploaded").Select(MirrorPublisher.PhaseOf).ToList();
        Assert.Equal(phases.Order(), phases);
        Assert.Equal([0, 1, 2], phases.Distinct());

        var second = Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs", vars);
        Assert.Empty(second.Errors);
        var rerun = second.Objects<MaasMirrorPublication>().Single();
        Assert.Equal((0, local.Count, 0, 0L), (rerun.Uploaded, rerun.Skipped, rerun.Deleted, rerun.BytesSent));
    }

    [AzuriteFact]
    public async Task Content_types_are_json_text_and_octet_stream_and_documents_are_revalidated()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        Assert.Empty(Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs", VarsFor(mirror, Azurite.ContainerUri(name))).Errors);
        var container = Container(name);
        var index = (await container.GetBlobClient("streams/v1/index.json").GetPropertiesAsync()).Value;
        Assert.Equal("application/json", index.ContentType);
        Assert.Equal("no-cache", index.CacheControl);
        Assert.StartsWith("text/plain", (await container.GetBlobClient("streams/v1/index.sjson").GetPropertiesAsync()).Value.ContentType);
        var payload = MirrorPublisher.LocalFiles(mirror).First(f => MirrorPublisher.PhaseOf(f.Name) == 0);
        var payloadProperties = (await container.GetBlobClient(payload.Name).GetPropertiesAsync()).Value;
        Assert.Equal("application/octet-stream", payloadProperties.ContentType);
        Assert.Null(payloadProperties.CacheControl);
    }

    [AzuriteFact]
    public async Task A_new_version_uploads_only_its_files_and_Prune_deletes_what_the_mirror_no_longer_has_after_the_index()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var vars = VarsFor(mirror, Azurite.ContainerUri(name, "ephemeral-v3/stable"));
        Assert.Empty(Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs", vars).Errors);
        var before = MirrorPublisher.LocalFiles(mirror).ToDictionary(f => f.Name, f => f.Sha256);

        Assert.Empty(Session.Run(SaveJammy, vars).Errors);
        var added = MirrorPublisher.LocalFiles(mirror).Where(f => before.GetValueOrDefault(f.Name) != f.Sha256).Select(f => f.Name).ToList();
        Assert.NotEmpty(added);
        var update = Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs -PassThru", vars);
        Assert.Empty(update.Errors);
        var objects = update.Objects<MaasPublishedObject>();
        Assert.Equal(added.Order(StringComparer.Ordinal), objects.Where(o => o.Action == MaasPublishAction.Uploaded).Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(before.Count, objects.Count(o => o.Action == MaasPublishAction.Skipped));
        Assert.All(objects, o => Assert.StartsWith($"{Azurite.AccountUri.AbsoluteUri}/{name}/ephemeral-v3/stable/", o.Url.AbsoluteUri));
        await AssertMirrorEquals(mirror, Container(name), "ephemeral-v3/stable/");

        // Another mirror with jammy only, published over it: without -Prune nothing goes, with it noble goes, after the index.
        var jammyOnly = NewMirror("jammy-only", SaveJammy);
        var prunedVars = VarsFor(jammyOnly, Azurite.ContainerUri(name, "ephemeral-v3/stable"));
        var kept = Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs", prunedVars);
        Assert.Empty(kept.Errors);
        Assert.Equal(0, kept.Objects<MaasMirrorPublication>().Single().Deleted);
        var pruned = Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs -Prune -Verbose", prunedVars);
        Assert.Empty(pruned.Errors);
        var deleted = Uploads(pruned, "deleted");
        Assert.NotEmpty(deleted);
        Assert.All(deleted, d => Assert.StartsWith("noble/", d));
        Assert.Equal(deleted.Count, pruned.Objects<MaasMirrorPublication>().Single().Deleted);
        var lastUpload = pruned.Verbose.FindLastIndex(v => v.Contains(": uploaded", StringComparison.Ordinal));
        var firstDelete = pruned.Verbose.FindIndex(v => v.Contains(": deleted", StringComparison.Ordinal));
        Assert.True(lastUpload < firstDelete, "deletions come after every upload, the index included");
        await AssertMirrorEquals(jammyOnly, Container(name), "ephemeral-v3/stable/");
    }

    [AzuriteFact]
    public async Task An_interrupted_publish_leaves_no_index_and_the_rerun_sends_only_what_is_missing_resuming_staged_blocks()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var store = (AzureBlobMirrorStore)MirrorStores.Open(Azurite.ContainerUri(name), Azurite.ConnectionString);
        store.SingleUploadLimit = 1024; // every larger file goes up in 1 KiB blocks
        store.BlockSize = 1024;
        store.BlocksInParallel = 1;
        using var interrupt = new CancellationTokenSource();
        store.BlockStaged = _ => interrupt.Cancel(); // the first block staged ends the run
        var options = new PublishOptions { ThrottleLimit = 1 };
        var plan = await MirrorPublisher.PlanAsync(mirror, store, options, default);
        Assert.Contains(plan.Uploads, u => u.Size > 2048);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MirrorPublisher.PublishAsync(plan, options, new SilentObserver(), interrupt.Token));

        var container = Container(name);
        Assert.False((await container.GetBlobClient("streams/v1/index.json").ExistsAsync()).Value, "no index before everything it names is there");
        Assert.False((await container.GetBlobClient("streams/v1/index.sjson").ExistsAsync()).Value);

        store.BlockStaged = null;
        var resumed = await MirrorPublisher.PublishAsync(await MirrorPublisher.PlanAsync(mirror, store, options, default), options, new SilentObserver(), default);
        Assert.Contains(resumed.Objects, o => o.Action == MaasPublishAction.Uploaded && o.BytesSent <= o.Size - 1024); // its staged block was not sent again
        Assert.True(resumed.BytesSent < plan.UploadBytes);
        await AssertMirrorEquals(mirror, container);
    }

    [AzuriteFact]
    public void A_wrong_account_key_is_AuthenticationFailed_and_changes_nothing()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var vars = VarsFor(mirror, Azurite.ContainerUri(name));
        vars["cs"] = $"AccountName={AzuriteServer.Account};AccountKey={Convert.ToBase64String(new byte[64])}";
        var result = Session.Run("try { Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs -ErrorAction Stop } catch { $_ }", vars);
        var error = (ErrorRecord)result.Output.Single().BaseObject;
        Assert.StartsWith("AuthenticationFailed", error.FullyQualifiedErrorId);
        Assert.Contains("account key", error.Exception.Message);
        Assert.False(Container(name).Exists().Value);
    }

    [AzuriteFact]
    public async Task A_SAS_in_the_URI_is_used_and_a_missing_container_it_may_not_create_is_ContainerNotFound()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var sas = new BlobSasBuilder(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Write | BlobContainerSasPermissions.List |
            BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Add, DateTimeOffset.UtcNow.AddHours(1)) { BlobContainerName = name }
            .ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteServer.Account, AzuriteServer.AccountKey));
        var vars = VarsFor(mirror, new Uri($"{Azurite.ContainerUri(name).AbsoluteUri}?{sas}"));
        vars["cs"] = "AccountName=nobody;AccountKey=" + Convert.ToBase64String(new byte[64]); // the SAS wins over a connection string
        var missing = Session.Run("try { Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs -ErrorAction Stop } catch { $_ }", vars);
        Assert.StartsWith("ContainerNotFound", ((ErrorRecord)missing.Output.Single().BaseObject).FullyQualifiedErrorId);

        await Container(name).CreateAsync();
        var published = Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs", vars);
        Assert.Empty(published.Errors);
        await AssertMirrorEquals(mirror, Container(name));
    }

    [AzuriteFact]
    public void WhatIf_reads_the_connection_string_from_the_environment_and_changes_nothing()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        // Process-wide, so restored (to what it was) in finally; only this class reads it, one test at a time.
        var previous = Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING");
        Environment.SetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING", Azurite.ConnectionString);
        try
        {
            var result = Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -WhatIf", VarsFor(mirror, Azurite.ContainerUri(name)));
            Assert.Empty(result.Errors);
            Assert.Empty(result.Output);
            Assert.False(Container(name).Exists().Value, "-WhatIf creates no container");
        }
        finally
        {
            Environment.SetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING", previous);
        }
    }

    [AzuriteFact]
    public async Task A_public_container_serves_the_mirror_to_Get_MaasStream_with_signatures_verified_and_Save_MaasImage_into_a_rack()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var vars = VarsFor(mirror, Azurite.ContainerUri(name, "ephemeral-v3/stable"));
        Assert.Empty(Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs -PublicAccess Blob", vars).Errors);
        Assert.Equal(PublicAccessType.Blob, (await Container(name).GetPropertiesAsync()).Value.PublicAccess);

        // Anonymously, over HTTP, as a MAAS region reads its boot source.
        vars["blobs"] = Azurite.ContainerUri(name, "ephemeral-v3/stable/").AbsoluteUri;
        vars["rack"] = Path.Combine(Destination, "rack");
        var stream = Session.Run("Get-MaasStream -Source $blobs -Keyring $keyring", vars);
        Assert.Empty(stream.Errors);
        Assert.Single(stream.Output);
        var saved = Session.Run("Get-MaasImageVersion -Source $blobs -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $rack", vars);
        Assert.Empty(saved.Errors);
        Assert.True(Directory.Exists(Path.Combine(Destination, "rack", "current", "ubuntu", "amd64")));
    }

    [AzuriteFact]
    public void Progress_shows_an_overall_bar_that_ends_completed()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        using var ps = Session.Create("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs", VarsFor(mirror, Azurite.ContainerUri(NewContainerName())));
        ps.Invoke();
        Assert.Empty(ps.Streams.Error);
        var overall = ps.Streams.Progress.Where(p => p.ActivityId == 1).ToList();
        Assert.NotEmpty(overall);
        Assert.StartsWith("Publishing to ", overall[^1].Activity);
        Assert.Equal(ProgressRecordType.Completed, overall[^1].RecordType);
        Assert.Contains(" files", overall[^1].StatusDescription);
    }

    [AzuriteFact]
    public async Task A_SAS_that_may_not_delete_is_AuthorizationFailed_on_Prune_after_the_new_index_is_in_place()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var container = Container(name);
        await container.CreateAsync();
        await container.GetBlobClient("stale/old.img").UploadAsync(BinaryData.FromString("old"));
        var sas = new BlobSasBuilder(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Write | BlobContainerSasPermissions.List |
            BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Add, DateTimeOffset.UtcNow.AddHours(1)) { BlobContainerName = name }
            .ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteServer.Account, AzuriteServer.AccountKey));
        var vars = VarsFor(mirror, new Uri($"{Azurite.ContainerUri(name).AbsoluteUri}?{sas}"));
        var result = Session.Run("try { Publish-MaasMirror -Path $mirror -ContainerUri $container -Prune -ErrorAction Stop } catch { $_ }", vars);
        var error = (ErrorRecord)result.Output.Single().BaseObject;
        Assert.StartsWith("AuthorizationFailed", error.FullyQualifiedErrorId);
        Assert.Contains("Storage Blob Data Contributor", error.Exception.Message);
        Assert.True((await container.GetBlobClient("streams/v1/index.sjson").ExistsAsync()).Value, "the new index went up before any deletion");
        Assert.True((await container.GetBlobClient("stale/old.img").ExistsAsync()).Value);
    }

    [AzuriteFact]
    public async Task A_public_container_serves_its_blobs_anonymously_but_not_its_listing()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        Assert.Empty(Session.Run("Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs -PublicAccess Blob", VarsFor(mirror, Azurite.ContainerUri(name))).Errors);
        var anonymous = new BlobContainerClient(Azurite.ContainerUri(name));
        Assert.True((await anonymous.GetBlobClient("streams/v1/index.sjson").ExistsAsync()).Value);
        await Assert.ThrowsAsync<Azure.RequestFailedException>(async () => { await foreach (var _ in anonymous.GetBlobsAsync()) { } });
    }

    [AzuriteFact]
    public void An_endpoint_nobody_listens_on_is_StorageUnreachable()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        // A port held (bound, never listening) for the whole test: connections are refused, and no
        // other server started meanwhile can take it, as it could a port picked and let go.
        using var held = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        held.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)held.LocalEndPoint!).Port;
        var vars = VarsFor(mirror, new Uri($"http://127.0.0.1:{port}/{AzuriteServer.Account}/maas"));
        var result = Session.Run("try { Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs -ErrorAction Stop } catch { $_ }", vars);
        Assert.StartsWith("StorageUnreachable", ((ErrorRecord)result.Output.Single().BaseObject).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_folder_without_a_streams_index_is_MirrorNotFound()
    {
        Directory.CreateDirectory(Destination);
        var result = Session.Run("try { Publish-MaasMirror -Path $dest -ContainerUri https://account.blob.core.windows.net/mirror -ConnectionString 'UseDevelopmentStorage=true' -ErrorAction Stop } catch { $_ }", Vars);
        Assert.StartsWith("MirrorNotFound", ((ErrorRecord)result.Output.Single().BaseObject).FullyQualifiedErrorId);
    }

    [Fact]
    public void An_http_URL_without_a_key_or_SAS_is_InvalidContainerUri_as_a_token_is_sent_only_over_https()
    {
        // In this class, which is the only one to set AZURE_STORAGE_CONNECTION_STRING, and only while one test runs.
        Assert.Null(Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING"));
        var result = Session.Run("try { Publish-MaasMirror -Path $dest -ContainerUri http://127.0.0.1:10000/devstoreaccount1/maas -ErrorAction Stop } catch { $_ }", Vars);
        var error = (ErrorRecord)result.Output.Single().BaseObject;
        Assert.StartsWith("InvalidContainerUri", error.FullyQualifiedErrorId);
        Assert.Contains("needs https://", error.Exception.Message);
    }

    [Fact]
    public void A_URL_without_a_container_is_InvalidContainerUri()
    {
        var result = Session.Run("try { Publish-MaasMirror -Path $dest -ContainerUri https://account.blob.core.windows.net/ -ErrorAction Stop } catch { $_ }", Vars);
        Assert.StartsWith("InvalidContainerUri", ((ErrorRecord)result.Output.Single().BaseObject).FullyQualifiedErrorId);
    }
}
