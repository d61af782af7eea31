using System.Reflection;
using System.Text.Json;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Completion;

namespace MaasImages.PowerShell.Tests;

/// <summary>A filter value that matches nothing is a typo until shown otherwise: a warning names it and the closest known values.</summary>
public sealed class TypoWarningTests() : ServedSampleTests("maasimages-typo-")
{
    private static Dictionary<string, object?> Sample => new() { ["sample"] = PowerShellSession.SampleStream };

    [Theory]
    [InlineData("-Release jamy", "-Release 'jamy' matches no image of stream", "did you mean jammy?")]
    [InlineData("-Release nobel -Arch amd64", "-Release 'nobel'", "did you mean noble?")]
    [InlineData("-Arch amd46", "-Arch 'amd46'", "did you mean amd64?")]
    [InlineData("-Subarch hwe-2204", "-Subarch 'hwe-2204'", "did you mean hwe-22.04?")]
    [InlineData("-Os ubunt", "-Os 'ubunt'", "did you mean ubuntu?")]
    [InlineData("-Kflavor lowlatancy", "-Kflavor 'lowlatancy'", "did you mean lowlatency?")]
    [InlineData("-Label stabel", "-Label 'stabel'", "did you mean stable?")]
    [InlineData("-VersionName 20250781", "-VersionName '20250781'", "did you mean 20250701 or 20250718?")]
    public void A_value_no_product_has_is_a_warning_with_the_closest_known_values(string filters, string names, string hint)
    {
        var result = Session.Run($"Get-MaasImageVersion -Source $sample -Keyring $keyring {filters}; $?", Sample);
        Assert.Empty(result.Errors);
        Assert.Equal([true], result.Output.Select(o => o.BaseObject)); // nothing listed, and $? stays true
        var warning = Assert.Single(result.Warnings);
        Assert.Contains(names, warning, StringComparison.Ordinal);
        Assert.Contains(hint, warning, StringComparison.Ordinal);
    }

    [Fact]
    public void The_warning_lists_the_known_values_and_names_only_the_value_that_matched_nothing()
    {
        var result = Session.Run("Get-MaasImageVersion -Source $sample -Keyring $keyring -Release jammy, centos8 -Arch amd64 -Latest", Sample);
        Assert.Empty(result.Errors);
        Assert.NotEmpty(result.Output); // jammy is listed
        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith("-Release 'centos8' matches no image of stream 'stable'", warning, StringComparison.Ordinal);
        Assert.Contains("Known values: 22.04, 24.04, 7.0, 8, centos70, jammy, noble.", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-Release jam*x")] // a wildcard that matches nothing is a question, not a typo
    [InlineData("-Release JAMMY -Arch ARM64")] // the filters ignore case, so does the check
    [InlineData("-Release 22.04 -Subarch hwe-24.04")] // each value exists; only their combination selects nothing
    [InlineData("-Release 24.04 -VersionName 20240604_01")] // a CentOS version's name: known, though no noble version has it
    public void Wildcards_other_case_and_empty_combinations_warn_nothing(string filters)
    {
        var result = Session.Run($"Get-MaasImageVersion -Source $sample -Keyring $keyring {filters}", Sample);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
    }

    [Theory]
    [InlineData("-Arch amd46", "-Arch 'amd46' matches no bootloader of stream 'stable': did you mean amd64?")]
    [InlineData("-Arch arm46 -Type uefi", "-Arch 'arm46' matches no bootloader of stream 'stable': did you mean arm64?")]
    public void Install_MaasBootloader_warns_about_an_arch_no_bootloader_has(string filters, string warning)
    {
        var result = Session.Run($"Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest {filters}; $?", Vars);
        Assert.Empty(result.Errors);
        Assert.Equal([true], result.Output.Select(o => o.BaseObject)); // a warning, not an error
        Assert.Contains(result.Warnings, w => w.StartsWith(warning, StringComparison.Ordinal) && w.Contains("Known values: amd64, arm64, i386, ppc64, ppc64el.", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(Destination, "current")));

        // Values some bootloader has (pxelinux i386 also serves amd64; -All not needed for the check) warn nothing.
        var fine = Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Arch amd64, I386 -Type pxe -WhatIf", Vars);
        Assert.Empty(fine.Warnings);
    }

    [Fact]
    public void Get_and_Compare_MaasImageManifest_warn_about_a_package_name_no_manifest_has()
    {
        var cache = new Dictionary<string, object?>(Vars) { ["cache"] = Path.Combine(Destination, "manifests") };
        const string noble = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04";
        var get = Session.Run($"{noble} -Latest | Get-MaasImageManifest -CachePath $cache -Name opensh-server, libc6; $?", cache);
        Assert.Empty(get.Errors);
        Assert.Equal(["libc6", true], get.Output.Select(o => o.BaseObject is MaasImages.Engine.Manifests.MaasImagePackage p ? p.Name : o.BaseObject));
        Assert.Equal("-Name 'opensh-server' matches no package of 1 manifest read: did you mean openssh-server?", Assert.Single(get.Warnings));

        var compare = Session.Run($"$old, $new = {noble} -MaxVersions 2; Compare-MaasImageManifest $old $new -CachePath $cache -Name systemd, linux-image-genric*, libzstd; $?", cache);
        Assert.Empty(compare.Errors);
        Assert.Equal("-Name 'libzstd' matches no package of either side: did you mean libzstd1?", Assert.Single(compare.Warnings));
    }

    [Fact]
    public void Get_and_Remove_MaasBootResource_warn_about_a_value_nothing_saved_has()
    {
        var saved = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $dest", Vars);
        Assert.Empty(saved.Errors);

        var get = Session.Run("Get-MaasBootResource $dest -Release nobel; $?", Vars);
        Assert.Equal([true], get.Output.Select(o => o.BaseObject));
        var warning = Assert.Single(get.Warnings);
        Assert.Contains("-Release 'nobel' matches no boot resource of", warning, StringComparison.Ordinal);
        Assert.Contains("did you mean noble?", warning, StringComparison.Ordinal);
        Assert.Empty(Session.Run("Get-MaasBootResource $dest -Release noble -Arch amd64", Vars).Warnings);

        var remove = Session.Run("Remove-MaasBootResource -Path $dest -Arch amd46 -Confirm:$false", Vars);
        Assert.Empty(remove.Errors);
        Assert.Contains(remove.Warnings, w => w.Contains("-Arch 'amd46'", StringComparison.Ordinal) && w.Contains("did you mean amd64?", StringComparison.Ordinal));
        Assert.Single(Session.Run("Get-MaasBootResource $dest -Type Image", Vars).Output); // nothing was removed
    }

    [Theory]
    [InlineData("jamy", "jammy")]
    [InlineData("nbole", "noble")] // two letters swapped: one edit
    [InlineData("centos7", "centos70")]
    [InlineData("24.4", "24.04")]
    public void Closest_finds_the_intended_value(string typed, string meant) =>
        Assert.Equal(meant, UnmatchedValueFinder.Closest(typed, ["jammy", "noble", "centos70", "8", "22.04", "24.04"])[0]);

    [Fact]
    public void Closest_offers_nothing_for_a_value_far_from_every_known_one() =>
        Assert.Empty(UnmatchedValueFinder.Closest("questing", ["jammy", "noble", "22.04"]));

    /// <summary>Which property of a real products document each static completion list offers values of.</summary>
    private static readonly Dictionary<string, string[]> ListKeys = new(StringComparer.Ordinal)
    {
        [nameof(CompletionCatalog.KnownReleases)] = ["release", "version"],
        [nameof(CompletionCatalog.KnownArches)] = ["arch", "arches"],
        [nameof(CompletionCatalog.KnownSubarches)] = ["subarch"],
        ["KnownOses"] = ["os"],
        ["KnownKflavors"] = ["kflavor"],
        ["KnownLabels"] = ["label"],
    };

    /// <summary>
    /// Completion offers only values real streams use (CentOS 8's release is "8", not "centos8"):
    /// every value of every static list occurs in the real upstream samples. Stream names are not
    /// values of a document (they are folders of images.maas.io), so KnownStreams is not checked.
    /// </summary>
    [RealFixturesFact]
    public void Every_static_completion_value_occurs_in_the_real_upstream_samples()
    {
        var seen = ListKeys.Values.SelectMany(k => k).Distinct().ToDictionary(k => k, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (var file in Directory.GetFiles(RealFixturesFactAttribute.Folder, "simplestreams_*.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            if (!document.RootElement.TryGetProperty("products", out var products)) continue;
            foreach (var product in products.EnumerateObject())
            {
                // simplestreams inheritance: a value may sit on the product, a version or an item.
                Collect(product.Value);
                foreach (var version in product.Value.TryGetProperty("versions", out var v) ? v.EnumerateObject() : default)
                {
                    Collect(version.Value);
                    foreach (var item in version.Value.TryGetProperty("items", out var i) ? i.EnumerateObject() : default) Collect(item.Value);
                }
            }
        }
        Assert.NotEmpty(seen["release"]);

        var lists = typeof(CompletionCatalog).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.Name.StartsWith("Known", StringComparison.Ordinal) && f.FieldType == typeof(string[]) && f.Name != nameof(CompletionCatalog.KnownStreams))
            .ToList();
        Assert.NotEmpty(lists);
        foreach (var list in lists)
        {
            Assert.True(ListKeys.TryGetValue(list.Name, out var keys), $"{list.Name}: say which document property it offers values of (ListKeys)");
            var missing = ((string[])list.GetValue(null)!).Where(value => !keys.Any(k => seen[k].Contains(value))).ToList();
            Assert.True(missing.Count == 0, $"{list.Name} offers values no real stream sample uses: {string.Join(", ", missing)}");
        }

        void Collect(JsonElement level)
        {
            foreach (var key in seen.Keys)
            {
                if (!level.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.String) continue;
                // "arches" is a comma-separated list ("amd64, i386").
                foreach (var part in value.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)) seen[key].Add(part);
            }
        }
    }
}

/// <summary>A test that needs the real upstream samples (../shared/fixtures/real); skipped, with the reason shown, when they are absent.</summary>
public sealed class RealFixturesFactAttribute : FactAttribute
{
    public static string Folder =>
        Environment.GetEnvironmentVariable("MAASIMAGES_REAL_FIXTURES") is { Length: > 0 } custom
            ? custom
            : Path.GetFullPath(Path.Combine(PowerShellSession.RepoRoot, "..", "shared", "fixtures", "real"));

    public RealFixturesFactAttribute()
    {
        if (!Directory.Exists(Folder)) Skip = $"Real fixtures not found at {Folder} (set MAASIMAGES_REAL_FIXTURES): skipped.";
    }
}
