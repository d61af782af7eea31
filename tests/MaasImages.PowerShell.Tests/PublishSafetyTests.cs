using System.Management.Automation;
using System.Security.Cryptography;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MaasImages.Engine.Publishing;
using MaasImages.Engine.Transfer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Publish-MaasMirror's guards against Azurite: the mirror's lock, -WhatIf and -Confirm, the
/// access level of an existing container, -ThrottleLimit, a file larger than the single-request
/// limit going up in blocks and resumed, and the error ids of a malformed connection string and of
/// a request the service refuses.
/// </summary>
public sealed class PublishSafetyTests(AzuriteServer azurite) : AzuritePublishTests(azurite, "maasimages-publish-safety-"), IClassFixture<AzuriteServer>
{
    private const string Publish = "Publish-MaasMirror -Path $mirror -ContainerUri $container -ConnectionString $cs";

    [AzuriteFact]
    public async Task A_publish_waits_while_a_save_holds_the_mirror_and_uploads_nothing_until_it_ends()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var ps = Session.Create(Publish, VarsFor(mirror, Azurite.ContainerUri(name)));
        ps.Streams.Warning.DataAdded += (_, _) => waiting.TrySetResult();
        Task<PSDataCollection<PSObject>> finished;
        using (await DestinationLock.AcquireAsync(mirror, TimeSpan.Zero, _ => { }, CancellationToken.None)) // a Save-MaasImage in the middle of its run
        {
            var invocation = ps.BeginInvoke();
            await waiting.Task.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.StartsWith("Waiting for another run to finish with", ps.Streams.Warning[0].Message, StringComparison.Ordinal);
            Assert.False((await Container(name).ExistsAsync()).Value, "nothing is created or uploaded while the mirror is held");
            finished = Task.Run(() => ps.EndInvoke(invocation));
            Assert.False(invocation.IsCompleted);
        }
        var output = await finished.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(MirrorPublisher.LocalFiles(mirror).Count, ((MaasMirrorPublication)Assert.Single(output).BaseObject).Uploaded);
        await AssertMirrorEquals(mirror, Container(name));
    }

    [AzuriteFact]
    public async Task A_publish_gives_up_with_DestinationLocked_after_LockTimeoutSec_and_uploads_nothing()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        using (await DestinationLock.AcquireAsync(mirror, TimeSpan.Zero, _ => { }, CancellationToken.None))
        {
            var result = Session.Run($"try {{ {Publish} -LockTimeoutSec 0 -ErrorAction Stop }} catch {{ $_ }}", VarsFor(mirror, Azurite.ContainerUri(name)));
            var error = CaughtError(result);
            Assert.StartsWith("DestinationLocked", error.FullyQualifiedErrorId);
            Assert.Contains(mirror, error.Exception.Message);
        }
        Assert.False((await Container(name).ExistsAsync()).Value);
    }

    [AzuriteFact]
    public void LockTimeoutSec_and_ThrottleLimit_are_validated_and_default_like_the_writers()
    {
        var name = NewContainerName();
        foreach (var (parameter, value) in new[] { ("ThrottleLimit", 0), ("ThrottleLimit", 65), ("LockTimeoutSec", -1), ("LockTimeoutSec", 86401) })
        {
            var result = Session.Run($"try {{ Publish-MaasMirror -Path $dest -ContainerUri $container -ConnectionString $cs -{parameter} {value} -ErrorAction Stop }} catch {{ $_ }}",
                VarsFor(Destination, Azurite.ContainerUri(name)));
            Assert.StartsWith("ParameterArgumentValidationError", CaughtError(result).FullyQualifiedErrorId);
        }
        Assert.Equal(new Commands.SaveMaasImageCommand().LockTimeoutSec, new Commands.PublishMaasMirrorCommand().LockTimeoutSec);
        Assert.Equal(4, new Commands.PublishMaasMirrorCommand().ThrottleLimit);
    }

    [AzuriteFact]
    public async Task WhatIf_names_the_container_and_uploads_creates_and_deletes_nothing()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var vars = VarsFor(mirror, Azurite.ContainerUri(name));
        var host = new CapturingHost();
        using var session = new PowerShellSession(host);

        var whatIf = session.Run($"{Publish} -Prune -WhatIf", vars);
        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        var line = Assert.Single(host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal));
        Assert.Contains($"on target \"{Azurite.ContainerUri(name).AbsoluteUri}\"", line);
        Assert.Contains("create the container", line);
        Assert.False((await Container(name).ExistsAsync()).Value);

        // Published, then one file changed and one stale blob: -WhatIf -Prune neither uploads nor deletes.
        Assert.Empty(session.Run(Publish, vars).Errors);
        await Container(name).GetBlobClient("stale/old.img").UploadAsync(BinaryData.FromString("old"));
        var changed = MirrorPublisher.LocalFiles(mirror).First(f => MirrorPublisher.PhaseOf(f.Name) == 0);
        File.AppendAllText(changed.Path, "changed");
        var before = (await Container(name).GetBlobClient(changed.Name).GetPropertiesAsync()).Value.ETag;
        var second = session.Run($"{Publish} -Prune -WhatIf", vars);
        Assert.Empty(second.Errors);
        Assert.Contains(host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal) && l.Contains("Upload 1 file (") && l.Contains("delete 1 blob the mirror"));
        Assert.True((await Container(name).GetBlobClient("stale/old.img").ExistsAsync()).Value);
        Assert.Equal(before, (await Container(name).GetBlobClient(changed.Name).GetPropertiesAsync()).Value.ETag);
    }

    [AzuriteFact]
    public async Task Confirm_asks_naming_the_container_and_No_uploads_and_deletes_nothing()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var vars = VarsFor(mirror, Azurite.ContainerUri(name));
        await Container(name).CreateAsync();
        await Container(name).GetBlobClient("stale/old.img").UploadAsync(BinaryData.FromString("old"));

        var refusing = new CapturingHost("No");
        using (var session = new PowerShellSession(refusing))
        {
            var declined = session.Run($"{Publish} -Prune -Confirm", vars);
            Assert.Empty(declined.Errors);
            Assert.Empty(declined.Output);
        }
        var question = Assert.Single(refusing.Questions);
        Assert.Contains(Azurite.ContainerUri(name).AbsoluteUri, question);
        Assert.Contains("delete 1 blob the mirror", question);
        Assert.Equal(["stale/old.img"], await BlobNames(name));

        var accepting = new CapturingHost("Yes");
        using (var session = new PowerShellSession(accepting))
            Assert.Empty(session.Run($"{Publish} -Prune -Confirm", vars).Errors);
        Assert.Single(accepting.Questions);
        await AssertMirrorEquals(mirror, Container(name));
    }

    [AzuriteFact]
    public async Task PublicAccess_never_changes_an_existing_container_and_warns_when_it_differs()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var privateName = NewContainerName();
        await Container(privateName).CreateAsync(PublicAccessType.None);
        var toPrivate = Session.Run($"{Publish} -PublicAccess Blob", VarsFor(mirror, Azurite.ContainerUri(privateName)));
        Assert.Empty(toPrivate.Errors);
        var warning = Assert.Single(toPrivate.Warnings);
        Assert.Contains("it is private", warning);
        Assert.Contains("left as it is", warning);
        Assert.Contains("az storage container set-permission --public-access blob", warning);
        Assert.Equal(PublicAccessType.None, (await Container(privateName).GetPropertiesAsync()).Value.PublicAccess ?? PublicAccessType.None);

        var publicName = NewContainerName();
        await Container(publicName).CreateAsync(PublicAccessType.Blob);
        var vars = VarsFor(mirror, Azurite.ContainerUri(publicName));
        Assert.Empty(Session.Run($"{Publish} -PublicAccess Blob", vars).Warnings); // as asked: nothing to say
        Assert.Empty(Session.Run(Publish, vars).Warnings); // not asked: nothing to say
        var toPublic = Session.Run($"{Publish} -PublicAccess None", vars);
        Assert.Contains("its blobs are readable anonymously", Assert.Single(toPublic.Warnings));
        Assert.Equal(PublicAccessType.Blob, (await Container(publicName).GetPropertiesAsync()).Value.PublicAccess);
    }

    [AzuriteFact]
    public async Task ThrottleLimit_files_go_up_at_once_and_never_more()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var payloads = MirrorPublisher.LocalFiles(mirror).Count(f => MirrorPublisher.PhaseOf(f.Name) == 0);
        const int limit = 2;
        Assert.True(payloads > limit);
        using var gate = new UploadGate(limit);
        var store = AzureBlobMirrorStore.Open(Azurite.ContainerUri(NewContainerName()), Azurite.ConnectionString, null, new HttpClientTransport(gate));
        var options = new PublishOptions { ThrottleLimit = limit };
        var publication = await MirrorPublisher.PublishAsync(await MirrorPublisher.PlanAsync(mirror, store, options, default), options, new SilentObserver(), default);
        Assert.Equal(MirrorPublisher.LocalFiles(mirror).Count, publication.Uploaded);
        Assert.Equal(limit, gate.MostAtOnce); // the first uploads wait for each other, so the limit is reached; more would be counted
    }

    [AzuriteFact]
    public async Task A_file_over_the_single_request_limit_goes_up_in_16_MiB_blocks_resumes_after_an_interruption_and_reads_back_byte_for_byte()
    {
        // A mirror of one index and one 70 MiB payload: five blocks at the default sizes (32 MiB single-request limit, 16 MiB blocks).
        var mirror = Path.Combine(Destination, "big");
        Directory.CreateDirectory(Path.Combine(mirror, "streams", "v1"));
        File.WriteAllText(Path.Combine(mirror, "streams", "v1", "index.json"), "{}");
        var content = new byte[70 << 20];
        new Random(14).NextBytes(content); // every block different: a block out of place would show
        var big = Path.Combine(mirror, "noble", "squashfs");
        Directory.CreateDirectory(Path.GetDirectoryName(big)!);
        File.WriteAllBytes(big, content);

        var name = NewContainerName();
        var store = AzureBlobMirrorStore.Open(Azurite.ContainerUri(name), Azurite.ConnectionString);
        Assert.True(content.Length > store.SingleUploadLimit);
        using var interrupt = new CancellationTokenSource();
        store.BlockStaged = _ => interrupt.Cancel(); // the first block staged ends the run
        var options = new PublishOptions { ThrottleLimit = 1 };
        var plan = await MirrorPublisher.PlanAsync(mirror, store, options, default);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MirrorPublisher.PublishAsync(plan, options, new SilentObserver(), interrupt.Token));
        var blob = Container(name).GetBlockBlobClient("noble/squashfs");
        Assert.False((await blob.ExistsAsync()).Value, "only staged blocks: the blob is not there until its list is committed");
        Assert.NotEmpty((await blob.GetBlockListAsync(BlockListTypes.Uncommitted)).Value.UncommittedBlocks);
        Assert.False((await Container(name).GetBlobClient("streams/v1/index.json").ExistsAsync()).Value);

        store.BlockStaged = null;
        var resumed = await MirrorPublisher.PublishAsync(await MirrorPublisher.PlanAsync(mirror, store, options, default), options, new SilentObserver(), default);
        var sent = Assert.Single(resumed.Objects, o => o.Name == "noble/squashfs");
        Assert.Equal(MaasPublishAction.Uploaded, sent.Action);
        Assert.True(sent.BytesSent <= content.Length - store.BlockSize, $"{sent.BytesSent} bytes sent again: the staged block was not reused");

        var blocks = (await blob.GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.ToList();
        Assert.Equal([16L << 20, 16L << 20, 16L << 20, 16L << 20, 6L << 20], blocks.Select(b => b.SizeLong));
        var downloaded = (await blob.DownloadContentAsync()).Value;
        Assert.True(content.AsSpan().SequenceEqual(downloaded.Content.ToMemory().Span), "the blob reads back byte for byte");
        Assert.Equal(Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), downloaded.Details.Metadata[AzureBlobMirrorStore.Sha256Key]);

        var again = await MirrorPublisher.PlanAsync(mirror, store, options, default);
        Assert.Empty(again.Uploads); // and the next run skips it
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=https;EndpointSuffix=core.windows.net", "neither AccountName and AccountKey")]
    [InlineData("AccountName=mirrors;AccountKey=not a base64 key!", "not base64")]
    public void A_malformed_ConnectionString_is_InvalidConnectionString(string connectionString, string explanation)
    {
        var vars = new Dictionary<string, object?>(Vars) { ["cs"] = connectionString };
        var result = Session.Run("try { Publish-MaasMirror -Path $dest -ContainerUri https://mirrors.blob.core.windows.net/maas -ConnectionString $cs -ErrorAction Stop } catch { $_ }", vars);
        var error = CaughtError(result);
        Assert.StartsWith("InvalidConnectionString", error.FullyQualifiedErrorId);
        Assert.Contains(explanation, error.Exception.Message);
        Assert.StartsWith("The connection string has", error.Exception.Message);
    }

    [AzuriteFact]
    public async Task A_blob_leased_by_another_client_is_StorageRequestFailed_and_no_index_names_it()
    {
        var mirror = NewMirror("mirror", SaveNoble);
        var name = NewContainerName();
        var payload = MirrorPublisher.LocalFiles(mirror).First(f => MirrorPublisher.PhaseOf(f.Name) == 0);
        await Container(name).CreateAsync();
        var leased = Container(name).GetBlobClient(payload.Name);
        await leased.UploadAsync(BinaryData.FromString("another client's"));
        await leased.GetBlobLeaseClient().AcquireAsync(BlobLeaseClient.InfiniteLeaseDuration);

        var result = Session.Run($"try {{ {Publish} -ErrorAction Stop }} catch {{ $_ }}", VarsFor(mirror, Azurite.ContainerUri(name)));
        var error = CaughtError(result);
        Assert.StartsWith("StorageRequestFailed", error.FullyQualifiedErrorId);
        Assert.Contains("412 LeaseIdMissing", error.Exception.Message);
        Assert.Contains("run the same command again", error.Exception.Message);
        Assert.False((await Container(name).GetBlobClient("streams/v1/index.sjson").ExistsAsync()).Value, "a failed payload stops the run before the index");
        Assert.Equal("another client's", (await leased.DownloadContentAsync()).Value.Content.ToString());
    }

    /// <summary>
    /// Counts blob uploads (PUTs) in flight through the SDK's transport. The first ones wait until
    /// <c>limit</c> are in flight at once, so the limit is reached whatever the machine's load; the
    /// most ever seen is recorded, so a run that sent more at once shows it.
    /// </summary>
    private sealed class UploadGate(int limit) : DelegatingHandler(new HttpClientHandler())
    {
        private readonly TaskCompletionSource _full = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _most;

        public int MostAtOnce => Volatile.Read(ref _most);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Put || request.RequestUri?.Query.Contains("restype=container", StringComparison.Ordinal) == true)
                return await base.SendAsync(request, cancellationToken);
            var now = Interlocked.Increment(ref _inFlight);
            int most;
            while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
            {
            }
            if (now >= limit) _full.TrySetResult();
            try
            {
                await _full.Task.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken); // the deadline only turns a hang into a failure
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
