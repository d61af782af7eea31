using MaasImages.Engine.Manifests;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>Get-MaasImageManifest and Compare-MaasImageManifest over the sample stream served on loopback.</summary>
public sealed class ManifestCmdletTests() : ServedSampleTests("maasimages-manifest-")
{
    private const string NobleGa = "Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-24.04";
    private const string NobleManifest = "/noble/amd64/20250718/squashfs.manifest";

    private string Cache => Path.Combine(Destination, "cache");

    private Dictionary<string, object?> CacheVars
    {
        get
        {
            var vars = Vars;
            vars["cache"] = Cache;
            return vars;
        }
    }

    [Fact]
    public void Get_lists_every_package_of_an_image_fetching_only_its_manifest_and_then_reuses_the_cache()
    {
        var result = Session.Run($"{NobleGa} -VersionName 20250718 | Get-MaasImageManifest -CachePath $cache", CacheVars);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var packages = result.Objects<MaasImagePackage>();
        Assert.True(packages.Length > 200, $"{packages.Length} packages");
        Assert.All(packages, p => Assert.Equal(("ubuntu", "noble", "amd64", "ga-24.04", "20250718"), (p.Os, p.Release, p.Arch, p.Subarch, p.VersionName)));
        var ssh = Assert.Single(packages, p => p.Name == "openssh-server");
        Assert.Equal((1, "9.6p1", "3ubuntu13.12"), (ssh.Version.Epoch, ssh.Version.Upstream, ssh.Version.Revision));
        Assert.Equal("1:9.6p1-3ubuntu13.12", ssh.Version.ToString());
        var zstd = Assert.Single(packages, p => p.Name == "libzstd1");
        Assert.Equal(("amd64", "libzstd1:amd64"), (zstd.Architecture, zstd.QualifiedName));
        Assert.Null(ssh.Architecture);
        Assert.Contains(packages, p => p.Version.Upstream.Contains('~'));
        Assert.Contains(packages, p => p.Version.Upstream.Contains('+'));

        // Only the manifest crossed the network, and it is kept under its sha256, verified.
        Assert.Equal([NobleManifest], Server.Requests.Where(r => !r.Path.StartsWith("/streams/", StringComparison.Ordinal)).Select(r => r.Path).Distinct());
        var cached = Assert.Single(Directory.GetFiles(Cache));
        Assert.Equal(File.ReadAllBytes(Path.Combine(PowerShellSession.SampleStream, NobleManifest.TrimStart('/'))), File.ReadAllBytes(cached));

        Server.ResetCounters();
        var again = Session.Run($"{NobleGa} -VersionName 20250718 | Get-MaasImageManifest -CachePath $cache -Verbose", CacheVars);
        Assert.Equal(packages.Length, again.Objects<MaasImagePackage>().Length);
        Assert.DoesNotContain(Server.Requests, r => r.Path == NobleManifest);
        Assert.Contains(again.Verbose, v => v.Contains("reusing the verified copy", StringComparison.Ordinal));
    }

    [Fact]
    public void Name_filters_with_wildcards_case_insensitively_and_the_table_shows_name_and_version()
    {
        var result = Session.Run($"{NobleGa} -VersionName 20250718 | Get-MaasImageManifest LIBSSL*, openssh-s?rver -CachePath $cache", CacheVars);
        Assert.Empty(result.Errors);
        Assert.Equal(["libssl3t64", "openssh-server"], result.Objects<MaasImagePackage>().Select(p => p.Name).Order());
        Assert.Equal("3.0.13-0ubuntu3.6", result.Objects<MaasImagePackage>().Single(p => p.Name == "libssl3t64").Version.ToString());

        var table = string.Join("\n", Session.Run($"{NobleGa} -VersionName 20250718 | Get-MaasImageManifest libzstd1 -CachePath $cache | Out-String -Width 200", CacheVars).Output);
        Assert.Matches(@"Name\s+Version\s+Release\s+Arch\s+VersionName", table);
        Assert.Matches(@"libzstd1:amd64\s+\S+\s+noble\s+amd64\s+20250718", table);
    }

    [Fact]
    public void An_interrupted_manifest_download_resumes_and_a_damaged_cached_copy_is_fetched_again()
    {
        Server.Faults.Add(NobleManifest, Fault.DropAfter(1000));
        var first = Session.Run($"{NobleGa} -VersionName 20250718 | Get-MaasImageManifest -CachePath $cache", CacheVars);
        Assert.Empty(first.Errors);
        var requests = Server.Requests.Where(r => r.Path == NobleManifest).ToList();
        Assert.Equal(2, requests.Count);
        Assert.StartsWith("bytes=1000-", requests[1].Range, StringComparison.Ordinal);

        var cached = Assert.Single(Directory.GetFiles(Cache));
        File.WriteAllText(cached, "evil\t6.6.6\n" + new string('x', (int)new FileInfo(cached).Length - 11));
        Server.ResetCounters();
        var second = Session.Run($"{NobleGa} -VersionName 20250718 | Get-MaasImageManifest -CachePath $cache", CacheVars);
        Assert.Empty(second.Errors);
        Assert.DoesNotContain(second.Objects<MaasImagePackage>(), p => p.Name == "evil");
        Assert.Equal(first.Objects<MaasImagePackage>().Length, second.Objects<MaasImagePackage>().Length);
        Assert.Contains(Server.Requests, r => r.Path == NobleManifest);
    }

    [Fact]
    public void A_manifest_that_does_not_match_its_sha256_is_ChecksumMismatch_and_nothing_is_listed_or_kept()
    {
        Server.Faults.Add(NobleManifest, Fault.CorruptByte(10), count: -1);
        var result = Session.Run($"{NobleGa} -VersionName 20250718 | Get-MaasImageManifest -CachePath $cache", CacheVars);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ChecksumMismatch", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.False(Directory.Exists(Cache) && Directory.GetFiles(Cache).Any(f => !f.EndsWith(".partial", StringComparison.Ordinal) && !f.EndsWith(".json", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_manifest_file_with_malformed_lines_gives_warnings_with_line_numbers_and_the_good_lines()
    {
        Directory.CreateDirectory(Destination);
        var file = Path.Combine(Destination, "squashfs.manifest");
        File.WriteAllText(file, "adduser\t3.137ubuntu1\ngarbage\nlibc6:amd64\t2.39-0ubuntu8.4\nbad\tnot a version\n");
        var vars = Vars;
        vars["file"] = file;
        var result = Session.Run("Get-MaasImageManifest -LiteralPath $file", vars);
        Assert.Empty(result.Errors);
        Assert.Equal(["adduser", "libc6"], result.Objects<MaasImagePackage>().Select(p => p.Name));
        Assert.Equal(2, result.Warnings.Count);
        Assert.Contains("line 2:", result.Warnings[0], StringComparison.Ordinal);
        Assert.Contains("line 4:", result.Warnings[1], StringComparison.Ordinal);
        Assert.All(result.Objects<MaasImagePackage>(), p => Assert.Null(p.Release));

        var piped = Session.Run("Get-Item -LiteralPath $file | Get-MaasImageManifest -Name libc6 -WarningAction SilentlyContinue", vars);
        Assert.Equal(["libc6"], piped.Objects<MaasImagePackage>().Select(p => p.Name));
        var missing = Session.Run("Get-MaasImageManifest -LiteralPath (Join-Path $dest nothing.manifest)", vars);
        Assert.StartsWith("ManifestNotFound", Assert.Single(missing.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_gives_one_change_per_differing_package_between_the_two_sample_versions()
    {
        var result = Session.Run($"$old, $new = {NobleGa} -MaxVersions 2; Compare-MaasImageManifest $old $new -CachePath $cache", CacheVars);
        Assert.Empty(result.Errors);
        var changes = result.Objects<MaasImagePackageChange>();
        var byName = changes.ToDictionary(c => c.QualifiedName);
        Assert.Equal(MaasPackageChangeType.Upgraded, byName["systemd"].Change);
        Assert.Equal(("255.4-1ubuntu8.8", "255.4-1ubuntu8.10"), (byName["systemd"].ReferenceVersion!.ToString(), byName["systemd"].DifferenceVersion!.ToString()));
        Assert.Equal((MaasPackageChangeType.Removed, null), (byName["ifupdown"].Change, byName["ifupdown"].DifferenceVersion));
        Assert.Equal((MaasPackageChangeType.Added, null), (byName["nvme-cli"].Change, byName["nvme-cli"].ReferenceVersion));
        Assert.Equal(MaasPackageChangeType.Added, byName["libnvme1:amd64"].Change);
        Assert.DoesNotContain("adduser", byName.Keys);
        Assert.All(changes.Where(c => c.Change == MaasPackageChangeType.Upgraded), c => Assert.True(c.DifferenceVersion > c.ReferenceVersion));
        Assert.Equal(changes.Select(c => c.Name).Order(StringComparer.Ordinal), changes.Select(c => c.Name));
        Assert.Equal(("com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04@20250701", "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04@20250718"),
            (changes[0].Reference, changes[0].Difference));

        var table = string.Join("\n", Session.Run($"$old, $new = {NobleGa} -MaxVersions 2; Compare-MaasImageManifest $old $new -CachePath $cache -Name systemd | Out-String -Width 200", CacheVars).Output);
        Assert.Matches(@"Change\s+Name\s+Versions", table);
        Assert.Contains("Upgraded   systemd", table, StringComparison.Ordinal);
        Assert.Contains("255.4-1ubuntu8.8 → 255.4-1ubuntu8.10", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_the_other_way_round_downgrades_and_takes_packages_paths_and_filters()
    {
        var vars = CacheVars;
        vars["old"] = Path.Combine(PowerShellSession.SampleStream, "noble", "amd64", "20250701", "squashfs.manifest");
        vars["new"] = Path.Combine(PowerShellSession.SampleStream, "noble", "amd64", "20250718", "squashfs.manifest");
        var result = Session.Run("Compare-MaasImageManifest -ReferenceObject $new -DifferenceObject (Get-MaasImageManifest -LiteralPath $old) -Change Downgraded, Added", vars);
        Assert.Empty(result.Errors);
        var changes = result.Objects<MaasImagePackageChange>();
        Assert.Contains(changes, c => c.Name == "systemd" && c.Change == MaasPackageChangeType.Downgraded);
        Assert.Equal(["ifupdown"], changes.Where(c => c.Change == MaasPackageChangeType.Added).Select(c => c.Name));
        Assert.DoesNotContain(changes, c => c.Change is MaasPackageChangeType.Upgraded or MaasPackageChangeType.Removed);

        var named = Session.Run("Compare-MaasImageManifest $old $new -Name LIBNVME*", vars).Objects<MaasImagePackageChange>();
        Assert.Equal(["libnvme1"], named.Select(c => c.Name));
    }

    [Fact]
    public void Compare_refuses_what_is_not_one_image_or_manifest_with_a_stable_id()
    {
        var result = Session.Run("Compare-MaasImageManifest 42 (Get-Date)", Vars);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InvalidManifestInput", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        var two = Session.Run($"$both = {NobleGa}; Compare-MaasImageManifest $both $both", Vars);
        Assert.StartsWith("InvalidManifestInput", Assert.Single(two.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void Saved_images_give_their_manifest_from_a_mirror_and_ManifestNotFound_from_a_rack_tree()
    {
        var mirror = Path.Combine(Destination, "mirror");
        var rack = Path.Combine(Destination, "rack");
        var vars = CacheVars;
        vars["mirror"] = mirror;
        vars["rack"] = rack;
        Session.Run($"{NobleGa} -VersionName 20250718 | Save-MaasImage -Path $mirror -Layout Mirror; {NobleGa} -VersionName 20250718 | Save-MaasImage -Path $rack", vars);

        Server.ResetCounters();
        var fromMirror = Session.Run("Get-MaasBootResource $mirror -Type Image | Get-MaasImageManifest -Name systemd", vars);
        Assert.Empty(fromMirror.Errors);
        var systemd = Assert.Single(fromMirror.Objects<MaasImagePackage>());
        Assert.Equal(("255.4-1ubuntu8.10", "20250718", "ga-24.04"), (systemd.Version.ToString(), systemd.VersionName, systemd.Subarch));
        Assert.Empty(Server.Requests);

        var withBootloaders = Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Install-MaasBootloader -Path $mirror -Layout Mirror; " +
                                          "Get-MaasBootResource $mirror | Get-MaasImageManifest -Name systemd -Verbose", vars);
        Assert.Empty(withBootloaders.Errors);
        Assert.Single(withBootloaders.Objects<MaasImagePackage>());
        Assert.Contains(withBootloaders.Verbose, v => v.Contains("a bootloader has no package manifest", StringComparison.Ordinal));

        var fromRack = Session.Run("Get-MaasBootResource $rack -Type Image | Get-MaasImageManifest", vars);
        Assert.Empty(fromRack.Output);
        Assert.All(fromRack.Errors, e => Assert.StartsWith("ManifestNotFound", e.FullyQualifiedErrorId, StringComparison.Ordinal));
        Assert.NotEmpty(fromRack.Errors);
    }

    [Fact]
    public void Name_completes_package_names_read_in_this_session()
    {
        Session.Run($"{NobleGa} -VersionName 20250718 | Get-MaasImageManifest -CachePath $cache", CacheVars);
        var completions = Session.Run("(TabExpansion2 'Get-MaasImageManifest -Name libssl' 34).CompletionMatches.CompletionText").Objects<string>();
        Assert.Equal(["libssl3t64"], completions);
        var forCompare = Session.Run("(TabExpansion2 'Compare-MaasImageManifest a b -Name nvme' 40).CompletionMatches.CompletionText").Objects<string>();
        Assert.Equal(["nvme-cli"], forCompare);
    }
}
