using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// What a save writes from metadata, on a stream signed with a key the test generates and served
/// over HTTP: a mirror holds exactly the bytes that were verified, one root holds one stream, and a
/// destination never goes back to older (genuinely signed) metadata unless -Force.
/// </summary>
public sealed class MetadataSafetyTests : IAsyncLifetime
{
    private static readonly Lazy<TestSigningKey> Key = new(() => TestSigningKey.Rsa("Metadata safety signer <meta@example.invalid>"));
    private const string V3Sjson = "streams/v1/com.ubuntu.maas:stable:v3:download.sjson";
    private const string OlderDate = "Mon, 02 Jun 2025 08:00:00 +0000";

    private readonly TempStream _served = TempStream.OfSample();
    private readonly TempStream _target = new();
    private readonly TempStream _keys = new();
    private StreamServer _server = null!;
    private string _keyring = null!;

    public async Task InitializeAsync()
    {
        StreamSigner.SignAll(_served, Key.Value);
        _keyring = StreamSigner.Keyring(_keys.Root, Key.Value);
        _server = await StreamServer.StartAsync(_served.Root);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _served.Dispose();
        _target.Dispose();
        _keys.Dispose();
    }

    private string Root => _target.Root;

    private async Task<List<MaasImageVersion>> Select(string release = "jammy")
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, _server.BaseUri.AbsoluteUri),
            new StreamReadOptions { KeyringPath = _keyring }, CancellationToken.None);
        Assert.True(stream.Verified);
        var v3 = stream.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal));
        return (await StreamClient.GetImageVersionsAsync(stream, v3, new ImageQuery { Release = [release], Arch = ["amd64"], MaxVersions = 1 },
            CancellationToken.None)).ToList();
    }

    private SaveOptions Options(SaveLayout layout, bool force = false) => new()
    {
        Destination = Root,
        Layout = layout,
        Force = force,
        Transfer = new TransferOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(20), StallTimeout = TimeSpan.FromSeconds(10) },
        LockTimeout = TimeSpan.FromSeconds(20),
    };

    private static Task<IReadOnlyList<MaasSavedImage>> Save(IReadOnlyList<MaasImageVersion> images, SaveOptions options, RecordingObserver? observer = null) =>
        ImageSaver.SaveAsync(images, options, observer ?? new RecordingObserver(), CancellationToken.None);

    private byte[] Mirrored(string relative) => File.ReadAllBytes(Path.Combine(Root, relative));

    /// <summary>Re-signs the served stream with every products document and the index dated <paramref name="updated"/>.</summary>
    private void ServeDated(string updated)
    {
        foreach (var doc in StreamSigner.Products.Append(TempStream.Index))
        {
            _served.Write(doc, System.Text.RegularExpressions.Regex.Replace(_served.Read(doc),
                "\"updated\": \"[^\"]*\"", $"\"updated\": \"{updated}\""));
        }
        StreamSigner.SignAll(_served, Key.Value);
    }

    /// <summary>Re-signs the served stream with the .json forms (and their .gpg) dated <paramref name="updated"/>; the .sjson forms keep theirs.</summary>
    private void ServeJsonFormsDated(string updated)
    {
        foreach (var doc in StreamSigner.Products.Append(TempStream.Index))
        {
            _served.Write(doc, System.Text.RegularExpressions.Regex.Replace(_served.Read(doc),
                "\"updated\": \"[^\"]*\"", $"\"updated\": \"{updated}\""));
            _served.Write(doc + ".gpg", Key.Value.DetachSign(File.ReadAllBytes(_served.PathOf(doc))));
        }
    }

    /// <summary>Everything in the destination but the lock file (which a refused run may take and leave).</summary>
    private SortedDictionary<string, string> Fingerprint()
    {
        var tree = TreeFingerprint.Of(Root);
        tree.Remove(".maasimages.lock");
        return tree;
    }

    /// <summary>Requests since the last reset for anything but metadata (images, bootloader archives).</summary>
    private List<string> PayloadRequests() =>
        _server.Requests.Select(r => r.Path).Where(p => !p.StartsWith("/streams/v1/", StringComparison.Ordinal)).ToList();

    /// <summary>The served stream as another stream would publish it: the v3 content id becomes candidate's; the others stay.</summary>
    private void ServeV3AsCandidate()
    {
        foreach (var doc in new[] { TempStream.Index, TempStream.V3Products })
            _served.Write(doc, _served.Read(doc).Replace("\"com.ubuntu.maas:stable:v3:download\"", "\"com.ubuntu.maas:candidate:v3:download\"", StringComparison.Ordinal));
        StreamSigner.SignAll(_served, Key.Value);
    }

    private async Task<List<MaasImageVersion>> SelectFrom(string source, string release = "jammy")
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, source), new StreamReadOptions { KeyringPath = _keyring }, CancellationToken.None);
        var v3 = stream.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal));
        return (await StreamClient.GetImageVersionsAsync(stream, v3, new ImageQuery { Release = [release], Arch = ["amd64"], MaxVersions = 1 },
            CancellationToken.None)).ToList();
    }

    [Fact]
    public async Task A_mirror_refuses_another_stream_sharing_some_content_ids_unless_forced_and_nothing_changes()
    {
        await Save(await Select(), Options(SaveLayout.Mirror));
        var before = Fingerprint();

        ServeV3AsCandidate(); // the bootloader and centos ids are still the same: only v3 differs
        var candidate = await Select("noble");
        _server.ResetCounters();
        var error = await Assert.ThrowsAsync<StreamMismatchException>(() => Save(candidate, Options(SaveLayout.Mirror)));
        Assert.Equal("StreamMismatch", error.ErrorId);
        Assert.Contains("does not: com.ubuntu.maas:stable:v3:download; the stream lists com.ubuntu.maas:candidate:v3:download instead", error.Message, StringComparison.Ordinal);
        Assert.Contains("its own folder", error.Message, StringComparison.Ordinal);
        Assert.Equal(MaasRemedy.Override, error.Remedy); // the cmdlet layer names -Force
        TreeFingerprint.AssertSame(before, Fingerprint(), "the mirror");
        Assert.Empty(PayloadRequests());
        // -WhatIf reports the same refusal.
        Assert.Throws<StreamMismatchException>(() => ImageSaver.Plan(candidate, Options(SaveLayout.Mirror)));

        // -Force: upstream really dropped the id, the index is replaced.
        await Save(candidate, Options(SaveLayout.Mirror, force: true));
        Assert.Equal(File.ReadAllBytes(_served.PathOf("streams/v1/index.sjson")), Mirrored("streams/v1/index.sjson"));
    }

    [Fact]
    public async Task A_mirror_accepts_its_stream_when_upstream_adds_a_content_id()
    {
        var full = _served.Read(TempStream.Index);
        _served.EditJson(TempStream.Index, index => index["index"]!.AsObject().Remove("com.ubuntu.maas:stable:centos-bases-download"));
        StreamSigner.SignAll(_served, Key.Value);
        await Save(await Select(), Options(SaveLayout.Mirror));
        Assert.DoesNotContain("centos-bases-download", File.ReadAllText(Path.Combine(Root, "streams", "v1", "index.sjson")), StringComparison.Ordinal);

        _served.Write(TempStream.Index, full); // upstream publishes a new content id
        StreamSigner.SignAll(_served, Key.Value);
        var noble = await Select("noble");
        Assert.Equal(noble.Count, (await Save(noble, Options(SaveLayout.Mirror))).Count);
        Assert.Equal(File.ReadAllBytes(_served.PathOf("streams/v1/index.sjson")), Mirrored("streams/v1/index.sjson"));
        Assert.Equal(File.ReadAllBytes(_served.PathOf(TempStream.CentosProducts)), Mirrored(TempStream.CentosProducts));
    }

    [Fact]
    public async Task A_mirror_refuses_a_stream_read_from_another_index_name_even_forced()
    {
        await Save(await Select(), Options(SaveLayout.Mirror));
        var before = Fingerprint();
        // The same documents under another index name: a second stream in one root.
        File.Copy(_served.PathOf("streams/v1/index.sjson"), _served.PathOf("streams/v1/other.sjson"));
        var other = await SelectFrom(_server.BaseUri.AbsoluteUri + "streams/v1/other.sjson", "noble");
        Assert.Equal("streams/v1/other.sjson", other[0].Stream.IndexPath);

        _server.ResetCounters();
        var error = await Assert.ThrowsAsync<StreamMismatchException>(() => Save(other, Options(SaveLayout.Mirror, force: true)));
        Assert.Contains("index.sjson' is the index of another stream", error.Message, StringComparison.Ordinal);
        Assert.Contains("'streams/v1/other.sjson'", error.Message, StringComparison.Ordinal);
        TreeFingerprint.AssertSame(before, Fingerprint(), "the mirror");
        Assert.Empty(PayloadRequests());
    }

    [Fact]
    public async Task A_stale_other_metadata_form_is_refused_before_any_file_is_fetched()
    {
        await Save(await Select(), Options(SaveLayout.Mirror));
        var before = Fingerprint();

        ServeJsonFormsDated(OlderDate); // the .sjson the stream is read from is current; the .json beside it went back
        var noble = await Select("noble");
        _server.ResetCounters();
        var error = await Assert.ThrowsAsync<StaleMetadataException>(() => Save(noble, Options(SaveLayout.Mirror)));
        Assert.Contains("Mon, 02 Jun 2025 08:00:00 GMT", error.Message, StringComparison.Ordinal);
        Assert.Empty(PayloadRequests());
        TreeFingerprint.AssertSame(before, Fingerprint(), "the mirror");
    }

    [Fact]
    public async Task A_mirror_holding_only_the_other_form_refuses_older_metadata_in_the_plan()
    {
        await Save(await Select(), Options(SaveLayout.Mirror));
        foreach (var doc in StreamSigner.Products.Append(TempStream.Index))
            File.Delete(Path.Combine(Root, Path.ChangeExtension(doc, ".sjson"))); // only the .json forms stay

        ServeDated(OlderDate);
        var older = await Select("noble");
        var error = Assert.Throws<StaleMetadataException>(() => ImageSaver.Plan(older, Options(SaveLayout.Mirror)));
        Assert.Contains("Fri, 18 Jul 2025 10:15:30 GMT", error.Message, StringComparison.Ordinal);
        _server.ResetCounters();
        await Assert.ThrowsAsync<StaleMetadataException>(() => Save(older, Options(SaveLayout.Mirror)));
        Assert.Empty(PayloadRequests());
        ImageSaver.Plan(older, Options(SaveLayout.Mirror, force: true));
    }

    [Fact]
    public async Task Rack_WhatIf_reports_the_StaleMetadata_a_real_run_would()
    {
        await Save(await Select(), Options(SaveLayout.Rack));
        ServeDated(OlderDate);
        var older = await Select("noble");
        var error = Assert.Throws<StaleMetadataException>(() => ImageSaver.Plan(older, Options(SaveLayout.Rack)));
        Assert.Contains("Mon, 02 Jun 2025 08:00:00 GMT", error.Message, StringComparison.Ordinal);
        Assert.False(ImageSaver.Plan(older, Options(SaveLayout.Rack, force: true)).NothingChanged);
    }

    private async Task<IReadOnlyList<MaasImageVersion>> SelectBootloaders()
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, _server.BaseUri.AbsoluteUri),
            new StreamReadOptions { KeyringPath = _keyring }, CancellationToken.None);
        Assert.True(stream.Verified);
        return await BootloaderInstaller.SelectAsync(stream, new BootloaderQuery(), _ => { }, CancellationToken.None);
    }

    [Fact]
    public async Task Install_MaasBootloader_refuses_a_mirror_root_holding_another_streams_index_also_in_WhatIf()
    {
        var index = Path.Combine(Root, "streams", "v1", "index.sjson");
        Directory.CreateDirectory(Path.GetDirectoryName(index)!);
        File.WriteAllText(index, Key.Value.ClearSign(_served.Read(TempStream.Index).Replace(":stable:", ":candidate:", StringComparison.Ordinal)));
        var before = Fingerprint();
        var bootloaders = await SelectBootloaders();

        _server.ResetCounters();
        Assert.Throws<StreamMismatchException>(() => BootloaderInstaller.Plan(bootloaders, Options(SaveLayout.Mirror)));
        var error = await Assert.ThrowsAsync<StreamMismatchException>(() =>
            BootloaderInstaller.InstallAsync(bootloaders, Options(SaveLayout.Mirror, force: true), new RecordingObserver(), CancellationToken.None));
        Assert.Contains("com.ubuntu.maas:candidate:1:bootloader-download", error.Message, StringComparison.Ordinal);
        Assert.Empty(PayloadRequests());
        TreeFingerprint.AssertSame(before, Fingerprint(), "the mirror");
    }

    [Theory]
    [InlineData(SaveLayout.Rack)]
    [InlineData(SaveLayout.Mirror)]
    public async Task Install_MaasBootloader_refuses_an_older_signed_bootloader_document_unless_forced(SaveLayout layout)
    {
        await BootloaderInstaller.InstallAsync(await SelectBootloaders(), Options(layout), new RecordingObserver(), CancellationToken.None);
        var before = Fingerprint();

        ServeDated(OlderDate); // genuinely signed, valid, but older: a replay
        var older = await SelectBootloaders();
        Assert.All(older, b => Assert.Equal("Mon, 02 Jun 2025 08:00:00 GMT", b.Document!.Updated!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        _server.ResetCounters();
        var error = await Assert.ThrowsAsync<StaleMetadataException>(() =>
            BootloaderInstaller.InstallAsync(older, Options(layout), new RecordingObserver(), CancellationToken.None));
        Assert.Equal("StaleMetadata", error.ErrorId);
        Assert.Contains("bootloader-download", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mon, 02 Jun 2025 08:00:00 GMT", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fri, 18 Jul 2025 10:15:28 GMT", error.Message, StringComparison.Ordinal);
        Assert.Empty(PayloadRequests());
        TreeFingerprint.AssertSame(before, Fingerprint(), "the destination");
        Assert.Throws<StaleMetadataException>(() => BootloaderInstaller.Plan(older, Options(layout))); // -WhatIf too

        await BootloaderInstaller.InstallAsync(older, Options(layout, force: true), new RecordingObserver(), CancellationToken.None);
        if (layout == SaveLayout.Rack)
            Assert.Contains($"\"com.ubuntu.maas:stable:1:bootloader-download\": \"{OlderDate}\"",
                File.ReadAllText(Path.Combine(Root, RackMetadataDates.FileName)), StringComparison.Ordinal);
        else
            Assert.Equal(File.ReadAllBytes(_served.PathOf("streams/v1/com.ubuntu.maas:stable:1:bootloader-download.sjson")),
                Mirrored("streams/v1/com.ubuntu.maas:stable:1:bootloader-download.sjson"));
    }

    [Fact]
    public async Task A_mirror_writes_the_bytes_it_verified_not_a_second_fetch()
    {
        var images = await Select();
        var verified = File.ReadAllBytes(_served.PathOf(V3Sjson));
        // After verification upstream changes: the .sjson to something else, the .json so its .gpg no longer matches.
        _served.Write(V3Sjson, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{\"evil\": true}\n-----BEGIN PGP SIGNATURE-----\n\nx\n-----END PGP SIGNATURE-----\n");
        _served.Write(TempStream.V3Products, _served.Read(TempStream.V3Products).Replace("20250718", "20250719", StringComparison.Ordinal));

        var observer = new RecordingObserver();
        await Save(images, Options(SaveLayout.Mirror), observer);

        Assert.Equal(verified, Mirrored(V3Sjson));
        Assert.Equal(File.ReadAllBytes(_served.PathOf("streams/v1/index.sjson")), Mirrored("streams/v1/index.sjson"));
        // The .json form no longer verifies: none of it is written, and the user is told.
        Assert.False(File.Exists(Path.Combine(Root, TempStream.V3Products)));
        Assert.False(File.Exists(Path.Combine(Root, TempStream.Index)));
        Assert.Contains(observer.Warnings, w => w.Contains("Not mirroring 'streams/v1/index.json'", StringComparison.Ordinal));

        // What was written is a stream MAAS can read with the same keyring: verified, same images.
        var mirrored = await StreamClient.OpenAsync(StreamSource.Resolve(null, Root), new StreamReadOptions { KeyringPath = _keyring }, CancellationToken.None);
        Assert.True(mirrored.Verified);
        Assert.Equal("streams/v1/index.sjson", mirrored.IndexPath);
        var again = await StreamClient.GetImageVersionsAsync(mirrored, mirrored.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal)),
            new ImageQuery { Release = ["jammy"], Arch = ["amd64"], MaxVersions = 1 }, CancellationToken.None);
        Assert.Equal(images.Select(i => i.ToString()), again.Select(i => i.ToString()));
    }

    [Fact]
    public async Task A_mirror_writes_every_form_that_verifies_with_its_detached_signatures()
    {
        await Save(await Select(), Options(SaveLayout.Mirror));
        foreach (var doc in StreamSigner.Products.Append(TempStream.Index))
        {
            Assert.Equal(File.ReadAllBytes(_served.PathOf(doc)), Mirrored(doc));
            Assert.Equal(File.ReadAllBytes(_served.PathOf(doc + ".gpg")), Mirrored(doc + ".gpg"));
            Assert.Equal(File.ReadAllBytes(_served.PathOf(Path.ChangeExtension(doc, ".sjson"))), Mirrored(Path.ChangeExtension(doc, ".sjson")));
        }
    }

    [Fact]
    public async Task A_mirror_root_holding_another_streams_index_is_refused_before_anything_is_written()
    {
        var images = await Select();
        var candidate = _served.Read(TempStream.Index).Replace(":stable:", ":candidate:", StringComparison.Ordinal);
        var index = Path.Combine(Root, "streams", "v1", "index.sjson");
        Directory.CreateDirectory(Path.GetDirectoryName(index)!);
        File.WriteAllText(index, Key.Value.ClearSign(candidate));
        var before = File.ReadAllBytes(index);

        var error = await Assert.ThrowsAsync<StreamMismatchException>(() => Save(images, Options(SaveLayout.Mirror, force: true)));
        Assert.Equal("StreamMismatch", error.ErrorId);
        Assert.Contains("com.ubuntu.maas:candidate:v3:download", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(index));
        Assert.False(Directory.Exists(Path.Combine(Root, "jammy")));
        Assert.False(File.Exists(Path.Combine(Root, TempStream.Index)));
    }

    [Fact]
    public async Task Images_of_two_streams_in_one_mirror_save_are_refused()
    {
        using var candidate = TempStream.OfSample();
        foreach (var doc in StreamSigner.Products.Append(TempStream.Index))
            candidate.Write(doc, candidate.Read(doc).Replace("\"com.ubuntu.maas:stable:", "\"com.ubuntu.maas:candidate:", StringComparison.Ordinal));
        StreamSigner.SignAll(candidate, Key.Value);
        var other = await StreamClient.OpenAsync(StreamSource.Resolve(null, candidate.Root), new StreamReadOptions { KeyringPath = _keyring }, CancellationToken.None);
        var otherImages = await StreamClient.GetImageVersionsAsync(other, other.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal)),
            new ImageQuery { Release = ["noble"], Arch = ["amd64"], MaxVersions = 1 }, CancellationToken.None);

        List<MaasImageVersion> both = [.. await Select(), .. otherImages];
        var error = await Assert.ThrowsAsync<StreamMismatchException>(() => Save(both, Options(SaveLayout.Mirror)));
        Assert.Contains("two different streams", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Root, "streams")));
    }

    [Fact]
    public async Task A_mirror_refuses_older_signed_metadata_than_it_holds_unless_forced()
    {
        await Save(await Select(), Options(SaveLayout.Mirror));
        var newer = Mirrored(V3Sjson);

        ServeDated(OlderDate); // genuinely signed, valid, but older: a replay
        var older = await Select();
        var error = await Assert.ThrowsAsync<StaleMetadataException>(() => Save(older, Options(SaveLayout.Mirror)));
        Assert.Equal("StaleMetadata", error.ErrorId);
        Assert.Contains("Mon, 02 Jun 2025 08:00:00 GMT", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fri, 18 Jul 2025 10:15:30 GMT", error.Message, StringComparison.Ordinal);
        Assert.Equal(newer, Mirrored(V3Sjson));

        await Save(older, Options(SaveLayout.Mirror, force: true));
        Assert.Equal(File.ReadAllBytes(_served.PathOf(V3Sjson)), Mirrored(V3Sjson));
    }

    [Fact]
    public async Task A_mirror_refuses_an_older_index_though_its_products_documents_are_current()
    {
        await Save(await Select(), Options(SaveLayout.Mirror));
        var before = Fingerprint();
        // Only the index goes back in time (its own top-level date); every products document is as saved.
        _served.Write(TempStream.Index, _served.Read(TempStream.Index).Replace(
            "\n \"updated\": \"Fri, 18 Jul 2025 10:15:30 +0000\"\n}", $"\n \"updated\": \"{OlderDate}\"\n}}", StringComparison.Ordinal));
        StreamSigner.SignAll(_served, Key.Value);
        var older = await Select("noble");
        Assert.Equal(OlderDate, older[0].Stream.Updated!.Value.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture));

        _server.ResetCounters();
        var error = await Assert.ThrowsAsync<StaleMetadataException>(() => Save(older, Options(SaveLayout.Mirror)));
        Assert.Contains("'streams/v1/index.sjson'", error.Message, StringComparison.Ordinal);
        Assert.Empty(PayloadRequests());
        TreeFingerprint.AssertSame(before, Fingerprint(), "the mirror");
    }

    [Fact]
    public async Task A_rack_destination_remembers_each_products_document_date_and_refuses_an_older_one_unless_forced()
    {
        await Save(await Select(), Options(SaveLayout.Rack));
        var record = Path.Combine(Root, RackMetadataDates.FileName);
        Assert.Contains("\"com.ubuntu.maas:stable:v3:download\": \"Fri, 18 Jul 2025 10:15:30 +0000\"", File.ReadAllText(record), StringComparison.Ordinal);
        var current = new FileInfo(Path.Combine(Root, "current")).LinkTarget;

        ServeDated(OlderDate);
        var older = await Select("noble"); // even for other images: the document itself went back in time
        var error = await Assert.ThrowsAsync<StaleMetadataException>(() => Save(older, Options(SaveLayout.Rack)));
        Assert.Contains("com.ubuntu.maas:stable:v3:download.sjson", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mon, 02 Jun 2025 08:00:00 GMT", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fri, 18 Jul 2025 10:15:30 GMT", error.Message, StringComparison.Ordinal);
        Assert.Equal(current, new FileInfo(Path.Combine(Root, "current")).LinkTarget);
        Assert.False(Directory.Exists(Path.Combine(Root, "current", "ubuntu", "amd64", "ga-24.04")));

        await Save(older, Options(SaveLayout.Rack, force: true));
        Assert.Contains($"\"com.ubuntu.maas:stable:v3:download\": \"{OlderDate}\"", File.ReadAllText(record), StringComparison.Ordinal);
    }
}
