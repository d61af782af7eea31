using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// One home for the parameters several cmdlets share (SharedParameters): every cmdlet that has one
/// of them has it from there — same type, range, completer, wildcards, validation, and the same
/// documented default — while its parameter sets and position stay the cmdlet's own. Any other
/// parameter name used by several cmdlets is the same everywhere too, unless it means different
/// things on purpose.
/// </summary>
public sealed partial class SharedParameterTests : IDisposable
{
    /// <summary>Names that mean different things on different cmdlets (different types or values), on purpose.</summary>
    private static readonly Dictionary<string, string> DifferentOnPurpose = new(StringComparer.OrdinalIgnoreCase)
    {
        ["InputObject"] = "what each cmdlet takes from the pipeline",
        ["Name"] = "a stream, snapshot or package name",
        ["Type"] = "a bootloader type (pxe, uefi...) or a boot resource type (Image, Bootloader)",
        ["LiteralPath"] = "one destination folder, or Get-MaasImageManifest's manifest files",
    };

    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private sealed record Use(string Command, ParameterMetadata Parameter);

    private List<Use> Parameters()
    {
        var result = _session.Run("Get-Command -Module MaasImages -CommandType Cmdlet | ForEach-Object { $c = $_; foreach ($p in $c.Parameters.Values) { $c.Name; $p } }");
        Assert.Empty(result.Errors);
        var uses = new List<Use>();
        for (var i = 0; i < result.Output.Count; i += 2)
            uses.Add(new Use((string)result.Output[i].BaseObject, (ParameterMetadata)result.Output[i + 1].BaseObject));
        return uses.Where(u => !Cmdlet.CommonParameters.Contains(u.Parameter.Name) && !Cmdlet.OptionalCommonParameters.Contains(u.Parameter.Name)).ToList();
    }

    /// <summary>What must agree wherever the parameter appears.</summary>
    private static string Signature(Type type, IEnumerable<Attribute> attributes, IEnumerable<string> aliases)
    {
        var list = attributes.ToList();
        var parts = new List<string> { type.FullName! };
        parts.AddRange(list.OfType<ValidateRangeAttribute>().Select(r => $"range {r.MinRange}..{r.MaxRange}"));
        parts.AddRange(list.OfType<ValidateSetAttribute>().Select(s => "set " + string.Join(",", s.ValidValues)));
        parts.AddRange(list.OfType<ArgumentCompleterAttribute>().Select(c => "completer " + c.Type?.FullName));
        if (list.OfType<SupportsWildcardsAttribute>().Any()) parts.Add("wildcards");
        if (list.OfType<ValidateNotNullOrEmptyAttribute>().Any()) parts.Add("not null or empty");
        if (list.OfType<ValidateNotNullAttribute>().Any()) parts.Add("not null");
        if (list.OfType<CredentialAttribute>().Any()) parts.Add("credential");
        parts.AddRange(aliases.Order(StringComparer.OrdinalIgnoreCase).Select(a => "alias " + a));
        return string.Join("; ", parts);
    }

    private static string Signature(ParameterMetadata p) => Signature(p.ParameterType, p.Attributes, p.Aliases);

    [Fact]
    public void Every_cmdlet_that_has_a_shared_parameter_has_it_from_its_one_definition()
    {
        var shared = Parameters().Where(u => SharedParameters.All.ContainsKey(u.Parameter.Name)).ToList();
        Assert.NotEmpty(shared);
        foreach (var use in shared)
        {
            var definition = SharedParameters.All[use.Parameter.Name];
            Assert.True(use.Parameter.IsDynamic, $"{use.Command} -{use.Parameter.Name} is declared on the cmdlet instead of taken from SharedParameters");
            Assert.Equal(Signature(definition.Type, definition.Attributes, []), Signature(use.Parameter));
        }
        // Each shared parameter is shared indeed: on two cmdlets at least, or one home would be no point.
        foreach (var definition in SharedParameters.All.Values.Where(d => d.Name is not ("KeepVersions" or "Kflavor" or "Label")))
            Assert.True(shared.Count(u => u.Parameter.Name == definition.Name) >= 2, $"-{definition.Name} is on fewer than two cmdlets");
    }

    [Fact]
    public void A_parameter_name_several_cmdlets_use_means_the_same_on_each_unless_listed_as_different()
    {
        var problems = Parameters()
            .GroupBy(u => u.Parameter.Name, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1 && !DifferentOnPurpose.ContainsKey(g.Key))
            .Where(g => g.Select(u => Signature(u.Parameter)).Distinct().Count() > 1)
            .Select(g => $"-{g.Key}: " + string.Join(" | ", g.Select(u => $"{u.Command}: {Signature(u.Parameter)}")))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_page_documents_a_shared_parameter_with_its_one_default_and_wildcard_setting()
    {
        foreach (var use in Parameters().Where(u => SharedParameters.All.ContainsKey(u.Parameter.Name)))
        {
            var definition = SharedParameters.All[use.Parameter.Name];
            var page = File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "docs", "en-US", use.Command + ".md"));
            var entry = DocEntry().Matches(page).Single(m => m.Groups["name"].Value == definition.Name).Groups["yaml"].Value;
            var documented = YamlField(entry, "Default value");
            var expected = definition.Default switch
            {
                null => "None",
                SwitchParameter s => s.IsPresent.ToString(),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString()!,
            };
            Assert.True(documented == expected || documented.StartsWith(expected + " (", StringComparison.Ordinal),
                $"{use.Command}.md documents -{definition.Name} with default '{documented}'; its one definition has {expected}");
            Assert.Equal(definition.Attributes.OfType<SupportsWildcardsAttribute>().Any().ToString(), YamlField(entry, "Accept wildcard characters"));
        }
    }

    [Fact]
    public void A_shared_parameter_keeps_the_parameter_sets_and_position_of_its_cmdlet()
    {
        var uses = Parameters();
        ParameterMetadata Of(string command, string name) => uses.Single(u => u.Command == command && u.Parameter.Name == name).Parameter;

        Assert.Equal(["LiteralPath", "Path"], Of("Remove-MaasBootResource", "Os").ParameterSets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([ParameterAttribute.AllParameterSets], Of("Remove-MaasBootResource", "LockTimeoutSec").ParameterSets.Keys);
        Assert.Equal(0, Of("Get-MaasImageVersion", "Release").ParameterSets.Values.Single().Position);
        Assert.Equal(1, Of("Get-MaasBootResource", "Release").ParameterSets.Values.Single().Position);

        // Bound by its position here.
        var listed = _session.Run("Get-MaasImageVersion noble -Source $sample -Keyring $keyring -Arch arm64",
            new Dictionary<string, object?> { ["sample"] = PowerShellSession.SampleStream });
        Assert.Empty(listed.Errors);
        Assert.All(listed.Objects<Engine.Streams.MaasImageVersion>(), v => Assert.Equal("noble", v.Release));
        Assert.NotEmpty(listed.Output);
    }

    [Fact]
    public void The_one_definition_is_what_a_cmdlet_gets_when_the_parameter_is_not_given_and_what_it_validates()
    {
        Assert.Equal(SharedParameters.DefaultThrottleLimit, new Commands.PublishMaasMirrorCommand().ThrottleLimit);
        Assert.Equal(SharedParameters.DefaultLockTimeoutSec, new Commands.RestoreMaasBootResourceCommand().LockTimeoutSec);
        Assert.Equal(SharedParameters.DefaultLockTimeoutSec, new Commands.TestMaasBootResourceCommand().LockTimeoutSec);
        foreach (var command in new[] { "Save-MaasImage -Path $dest", "Install-MaasBootloader -Path $dest", "Publish-MaasMirror -Path $dest -ContainerUri https://x.invalid/c" })
        {
            var result = _session.Run($"@() | {command} -ThrottleLimit 65", new Dictionary<string, object?> { ["dest"] = Path.GetTempPath() });
            Assert.Contains(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("ParameterArgumentValidationError", StringComparison.Ordinal)
                                               && e.Exception.Message.Contains("64", StringComparison.Ordinal));
        }
    }

    private static string YamlField(string yaml, string key) =>
        yaml.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..].Trim();

    [GeneratedRegex(@"^### -(?<name>\S+)\s*$.*?^```yaml\s*$(?<yaml>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex DocEntry();
}
