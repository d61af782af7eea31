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
    };

    /// <summary>A cmdlet's own parameter that has a shared parameter's name but means something else, on purpose.</summary>
    private static readonly Dictionary<(string Command, string Parameter), string> OwnOnPurpose = new()
    {
        [("Get-MaasImageManifest", "LiteralPath")] = "manifest files (string[], by property name), not the one folder a command works on",
    };

    /// <summary>Where a shared parameter is also bound from piped objects' same-named property: commands that work per piped object.</summary>
    private static readonly HashSet<(string Command, string Parameter)> ByPropertyName =
    [
        ("Get-MaasBootSnapshot", "Path"), ("Restore-MaasBootResource", "Path"), ("Get-MaasStream", "Source"),
    ];

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
        parts.AddRange(aliases.Concat(list.OfType<AliasAttribute>().SelectMany(a => a.AliasNames)).Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase).Select(a => "alias " + a));
        // How it binds and what it says when PowerShell prompts for it (!?): the same in every parameter set.
        foreach (var binding in list.OfType<ParameterAttribute>().Select(p => $"mandatory {p.Mandatory}; pipeline {p.ValueFromPipeline}; help '{p.HelpMessage}'").Distinct())
            parts.Add(binding);
        return string.Join("; ", parts);
    }

    private static string Signature(ParameterMetadata p) => Signature(p.ParameterType, p.Attributes, p.Aliases);

    private static string Signature(SharedParameter definition) => Signature(definition.Type,
        definition.Attributes.Append(new ParameterAttribute { Mandatory = definition.Mandatory, ValueFromPipeline = definition.FromPipeline, HelpMessage = definition.HelpMessage }), []);

    [Fact]
    public void Every_cmdlet_that_has_a_shared_parameter_has_it_from_its_one_definition()
    {
        var shared = Parameters().Where(u => SharedParameters.All.ContainsKey(u.Parameter.Name) && !OwnOnPurpose.ContainsKey((u.Command, u.Parameter.Name))).ToList();
        Assert.NotEmpty(shared);
        foreach (var use in shared)
        {
            var definition = SharedParameters.All[use.Parameter.Name];
            Assert.True(use.Parameter.IsDynamic, $"{use.Command} -{use.Parameter.Name} is declared on the cmdlet instead of taken from SharedParameters");
            Assert.Equal(Signature(definition), Signature(use.Parameter));
            var byPropertyName = use.Parameter.ParameterSets.Values.Select(s => s.ValueFromPipelineByPropertyName).Distinct().Single();
            Assert.True(byPropertyName == ByPropertyName.Contains((use.Command, use.Parameter.Name)),
                $"{use.Command} -{use.Parameter.Name}: bound by property name {byPropertyName}, not as listed in ByPropertyName");
        }
        foreach (var (command, name) in OwnOnPurpose.Keys)
            Assert.Contains(Parameters(), u => u.Command == command && u.Parameter.Name == name && !u.Parameter.IsDynamic);
        // Each shared parameter is shared indeed: on two cmdlets at least, or one home would be no point.
        foreach (var definition in SharedParameters.All.Values.Where(d => d.Name is not ("KeepVersions" or "Kflavor" or "Label")))
            Assert.True(shared.Count(u => u.Parameter.Name == definition.Name) >= 2, $"-{definition.Name} is on fewer than two cmdlets");
    }

    [Fact]
    public void No_parameter_is_declared_on_several_cmdlets_each_its_own_copy()
    {
        // Declared on the cmdlet class itself (not a shared base, not SharedParameters).
        var own = typeof(SharedParameters).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttributes(typeof(CmdletAttribute), false).Length > 0)
            .SelectMany(t => t.GetProperties()
                .Where(p => p.DeclaringType == t && p.GetCustomAttributes(typeof(ParameterAttribute), true).Length > 0)
                .Select(p => (Command: CommandName(t), Parameter: p.Name)))
            .ToList();
        Assert.NotEmpty(own);
        var repeated = own.GroupBy(o => o.Parameter, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1 && !DifferentOnPurpose.ContainsKey(g.Key))
            .Select(g => $"-{g.Key} is declared on {string.Join(", ", g.Select(o => o.Command))}: give it one home in SharedParameters")
            .ToList();
        Assert.True(repeated.Count == 0, string.Join("\n", repeated));
        // A shared parameter's name is not declared again on a cmdlet, unless it means something else there on purpose.
        Assert.Equal(OwnOnPurpose.Keys.Order(), own.Where(o => SharedParameters.All.ContainsKey(o.Parameter)).Order());
    }

    [Fact]
    public void No_static_parameter_leaves_the_parameter_set_to_the_dynamic_ones()
    {
        // A static parameter limited to several sets, not the default one, makes PowerShell choose
        // among them before it binds the dynamic parameters that tell them apart: AmbiguousParameterSet.
        var problems = new List<string>();
        foreach (var cmdlet in typeof(SharedParameters).Assembly.GetTypes().Where(t => !t.IsAbstract && t.GetCustomAttributes(typeof(CmdletAttribute), false).Length > 0))
        {
            var defaultSet = ((CmdletAttribute)cmdlet.GetCustomAttributes(typeof(CmdletAttribute), false)[0]).DefaultParameterSetName;
            foreach (var property in cmdlet.GetProperties())
            {
                var sets = property.GetCustomAttributes(typeof(ParameterAttribute), true).Cast<ParameterAttribute>().Select(p => p.ParameterSetName).ToList();
                if (sets.Count > 1 && !sets.Contains(ParameterAttribute.AllParameterSets) && !sets.Contains(defaultSet))
                    problems.Add($"{CommandName(cmdlet)} -{property.Name}: sets {string.Join(", ", sets)}, not the default {defaultSet}");
            }
        }
        Assert.True(problems.Count == 0, "Make these dynamic (a SharedParameter used with .In(...)):\n" + string.Join("\n", problems));

        // The case that needs it: -Type with -Path or -LiteralPath (static, it was AmbiguousParameterSet).
        foreach (var folder in new[] { "-Path", "-LiteralPath" })
        {
            var result = _session.Run($"try {{ Remove-MaasBootResource {folder} $dest -Type Bootloader -WhatIf }} catch {{ $_.FullyQualifiedErrorId }}",
                new Dictionary<string, object?> { ["dest"] = Path.Combine(Path.GetTempPath(), "maasimages-no-such-tree") });
            Assert.StartsWith("NotABootResourceTree,", Assert.Single(result.Output).ToString(), StringComparison.Ordinal);
        }
    }

    private static string CommandName(Type cmdlet)
    {
        var attribute = (CmdletAttribute)cmdlet.GetCustomAttributes(typeof(CmdletAttribute), false)[0];
        return $"{attribute.VerbName}-{attribute.NounName}";
    }

    [Fact]
    public void A_parameter_name_several_cmdlets_use_means_the_same_on_each_unless_listed_as_different()
    {
        var problems = Parameters()
            .Where(u => !OwnOnPurpose.ContainsKey((u.Command, u.Parameter.Name)))
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
            // No default in the definition: the command works one out (-Source: its stream; -CachePath: the per-user cache), which its page names.
            Assert.True(documented == expected || documented.StartsWith(expected + " (", StringComparison.Ordinal) || definition.Default is null,
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

    /// <summary>
    /// Shared parameters whose help page may add one paragraph of its own, "For &lt;command&gt;: …",
    /// after the common text, and why: what they act on differs from command to command.
    /// </summary>
    private static readonly Dictionary<string, string> PerCommandNote = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Path"] = "which folder each command works on (a destination, a tree to read, a snapshot)",
        ["Source"] = "what each command reads from the stream (an index, a mirror base, files to repair)",
        ["LockTimeoutSec"] = "Test-MaasBootResource takes the lock for -Repair only",
        ["Proxy"] = "which reads go through it differs between Save-MaasImage and Install-MaasBootloader",
        ["Force"] = "what is re-checked or replaced: files, archives, links",
        ["PassThru"] = "which objects are emitted",
        ["Prune"] = "what is removed: images, bootloaders, blobs",
        ["Layout"] = "what each layout holds for images and for bootloaders",
        ["KeepSnapshots"] = "after a removal, a kept snapshot is its undo",
        ["Os"] = "boot resources include bootloaders, whose os is their name",
        ["Arch"] = "a bootloader serves more architectures than its own",
    };

    [Fact]
    public void Every_page_describes_a_shared_parameter_in_its_one_wording()
    {
        var problems = new List<string>();
        var common = new Dictionary<string, List<(string Command, string Text)>>(StringComparer.OrdinalIgnoreCase);
        foreach (var use in Parameters().Where(u => SharedParameters.All.ContainsKey(u.Parameter.Name) && !OwnOnPurpose.ContainsKey((u.Command, u.Parameter.Name))))
        {
            var definition = SharedParameters.All[use.Parameter.Name];
            var page = File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "docs", "en-US", use.Command + ".md"));
            var paragraphs = DocDescription().Matches(page).Single(m => m.Groups["name"].Value == definition.Name).Groups["text"].Value
                .Replace("\r", "", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var where = $"{use.Command}.md -{definition.Name}";
            if (paragraphs.Length == 0 || !paragraphs[0].StartsWith(definition.HelpMessage, StringComparison.Ordinal))
                problems.Add($"{where}: does not start with its help message \"{definition.HelpMessage}\"");
            if (paragraphs.Length > 0)
            {
                if (!common.TryGetValue(definition.Name, out var texts)) common[definition.Name] = texts = [];
                texts.Add((use.Command, paragraphs[0]));
            }
            var notes = paragraphs.Skip(1).ToList();
            if (notes.Count > 1) problems.Add($"{where}: {notes.Count} paragraphs after the common text; one \"For {use.Command}: …\" at most");
            if (notes.Count == 1 && !notes[0].StartsWith($"For {use.Command}: ", StringComparison.Ordinal))
                problems.Add($"{where}: the paragraph after the common text must start \"For {use.Command}: \"");
            if (notes.Count == 1 && !PerCommandNote.ContainsKey(definition.Name))
                problems.Add($"{where}: has a note of its own, but -{definition.Name} means the same everywhere (or list why in PerCommandNote)");
        }
        foreach (var (name, texts) in common.Where(c => c.Value.Select(t => t.Text).Distinct().Count() > 1))
            problems.Add($"-{name} is described differently:\n  " + string.Join("\n  ", texts.Select(t => $"{t.Command}: {t.Text}")));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Contains("Path", common.Keys);
        Assert.Contains("ThrottleLimit", common.Keys);
    }

    private static string YamlField(string yaml, string key) =>
        yaml.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..].Trim();

    [GeneratedRegex(@"^### -(?<name>\S+)\s*$.*?^```yaml\s*$(?<yaml>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex DocEntry();

    /// <summary>A parameter's description: the text between its heading and its yaml block.</summary>
    [GeneratedRegex(@"^### -(?<name>\S+)[ \t]*\r?\n(?<text>.*?)^```yaml", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex DocDescription();
}
