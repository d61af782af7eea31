using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// The CI recipes in docs/examples: parsed as YAML, every PowerShell script block in them parsed
/// by PowerShell's own parser, and every MaasImages command they call checked against the real
/// module (imported in-process): the command exists and each named parameter it uses exists on it.
/// </summary>
public sealed class CiRecipeTests : IDisposable
{
    private static readonly string Examples = Path.Combine(PowerShellSession.RepoRoot, "docs", "examples");
    private static readonly Regex MaasCommandName = new(@"^[A-Za-z]+-Maas", RegexOptions.CultureInvariant);

    private readonly PowerShellSession _session = new();
    private readonly Lazy<Dictionary<string, ModuleCommand>> _commands;

    public CiRecipeTests() => _commands = new(LoadModuleCommands);

    public void Dispose() => _session.Dispose();

    public static TheoryData<string> Recipes => new() { "github-actions.yml", "azure-pipelines.yml" };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Every_MaasImages_command_exists_with_every_parameter_it_uses(string recipe)
    {
        var scripts = PowerShellScripts(recipe);
        Assert.NotEmpty(scripts);
        var checkedCalls = 0;
        foreach (var script in scripts)
        {
            foreach (var call in script.Ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
            {
                var name = call.GetCommandName();
                if (name is null) continue;
                var known = _commands.Value.TryGetValue(name, out var command);
                if (!known && !MaasCommandName.IsMatch(name)) continue; // not ours (Install-PSResource, Write-Host, …)
                Assert.True(known, $"{recipe}, step '{script.Step}': '{name}' is not a MaasImages command (line: {call.Extent.Text})");
                checkedCalls++;
                foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>())
                {
                    Assert.True(command!.Parameters.TryGetValue(parameter.ParameterName, out var type),
                        $"{recipe}, step '{script.Step}': {command.Name} has no parameter -{parameter.ParameterName} (line: {call.Extent.Text})");
                    var value = parameter.Argument ?? NextElement(call, parameter);
                    if (type is { IsEnum: true } && value is StringConstantExpressionAst constant)
                        Assert.True(Enum.TryParse(type, constant.Value, ignoreCase: true, out _),
                            $"{recipe}: '{constant.Value}' is not a valid -{parameter.ParameterName} ({string.Join(", ", Enum.GetNames(type))})");
                }
            }
        }
        Assert.True(checkedCalls >= 4, $"{recipe}: only {checkedCalls} MaasImages command calls found");
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Installs_the_module_from_the_gallery_and_runs_the_mirror_pipeline(string recipe)
    {
        var scripts = PowerShellScripts(recipe);
        var calls = scripts.SelectMany(s => s.Ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>()).ToList();

        Assert.Contains(calls, c => string.Equals(c.GetCommandName(), "Install-PSResource", StringComparison.OrdinalIgnoreCase)
            && c.CommandElements.OfType<StringConstantExpressionAst>().Skip(1).Any(e => e.Value == "MaasImages"));

        // Get-MaasStream stable | Get-MaasImageVersion … | Save-MaasImage -Path ./mirror -Layout Mirror
        var pipelines = scripts.SelectMany(s => s.Ast.FindAll(a => a is PipelineAst, true).Cast<PipelineAst>()).ToList();
        Assert.Contains(pipelines, p => p.PipelineElements.Count == 3
            && p.PipelineElements.Select(e => (e as CommandAst)?.GetCommandName()).SequenceEqual(new[] { "Get-MaasStream", "Get-MaasImageVersion", "Save-MaasImage" })
            && ((CommandAst)p.PipelineElements[2]).CommandElements.OfType<CommandParameterAst>().Any(a => a.ParameterName == "Layout"));

        // The cache key is the stream's updated stamp.
        Assert.Contains(scripts, s => s.Ast.FindAll(a => a is MemberExpressionAst { Member: StringConstantExpressionAst { Value: "Updated" } }, true).Any()
            && s.Ast.FindAll(a => a is CommandAst c && c.GetCommandName() == "Get-MaasStream", true).Any());
    }

    [Fact]
    public void GitHub_Actions_caches_on_the_updated_stamp_and_keeps_a_tar_of_the_mirror()
    {
        var steps = Steps("github-actions.yml");
        var stamp = Assert.Single(steps, s => Text(s, "run")?.Contains("GITHUB_OUTPUT", StringComparison.Ordinal) == true);
        Assert.Contains(".Updated", Text(stamp, "run"), StringComparison.Ordinal);
        var id = Text(stamp, "id");
        Assert.False(string.IsNullOrEmpty(id));

        var cache = Assert.Single(steps, s => Text(s, "uses")?.StartsWith("actions/cache@", StringComparison.Ordinal) == true);
        Assert.Contains($"steps.{id}.outputs.updated", Text(Child(cache, "with"), "key"), StringComparison.Ordinal);
        Assert.Equal("mirror", Text(Child(cache, "with"), "path"));

        var upload = Assert.Single(steps, s => Text(s, "uses")?.StartsWith("actions/upload-artifact@", StringComparison.Ordinal) == true);
        Assert.Equal("maas-mirror.tar", Text(Child(upload, "with"), "path"));
    }

    [Fact]
    public void GitHub_Actions_signs_in_with_OIDC_and_publishes_with_Publish_MaasMirror()
    {
        var root = Load("github-actions.yml");
        Assert.Equal("write", Text(Child(root, "permissions"), "id-token"));
        var steps = Steps("github-actions.yml");
        var login = steps.FindIndex(s => Text(s, "uses")?.StartsWith("azure/login@", StringComparison.Ordinal) == true);
        Assert.True(login >= 0, "azure/login signs in (OIDC)");
        Assert.Null(Text(Child(steps[login], "with"), "creds")); // no stored secret
        var publish = steps.FindIndex(s => Text(s, "run")?.Contains("Publish-MaasMirror", StringComparison.Ordinal) == true);
        Assert.True(publish > login, "Publish-MaasMirror runs after azure/login");
    }

    [Fact]
    public void Azure_Pipelines_publishes_with_Publish_MaasMirror_through_a_service_connection()
    {
        var steps = Steps("azure-pipelines.yml");
        var task = Assert.Single(steps, s => Text(Child(s, "inputs"), "Inline")?.Contains("Publish-MaasMirror", StringComparison.Ordinal) == true);
        Assert.StartsWith("AzurePowerShell@", Text(task, "task"));
        Assert.False(string.IsNullOrEmpty(Text(Child(task, "inputs"), "azureSubscription")));
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Mirrors_images_and_bootloaders_with_retention_and_publishes_the_mirror(string recipe)
    {
        var calls = PowerShellScripts(recipe).SelectMany(s => s.Ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>()).ToList();
        bool Has(CommandAst call, string parameter) => call.CommandElements.OfType<CommandParameterAst>().Any(p => p.ParameterName == parameter);
        Assert.Contains(calls, c => c.GetCommandName() == "Save-MaasImage" && Has(c, "Prune") && Has(c, "KeepVersions"));
        Assert.Contains(calls, c => c.GetCommandName() == "Install-MaasBootloader" && Has(c, "Layout") && Has(c, "Prune"));
        Assert.Contains(calls, c => c.GetCommandName() == "Publish-MaasMirror" && Has(c, "Prune"));
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void No_artifact_step_uploads_a_raw_folder_of_simplestreams_documents(string recipe) =>
        Assert.Empty(RawFolderUploads(Steps(recipe)));

    [Fact]
    public void A_raw_mirror_folder_upload_is_caught()
    {
        // The recipe this repository used to ship: upload-artifact refuses the ':' in every document name.
        var yaml = new YamlStream();
        yaml.Load(new StringReader("""
            steps:
              - uses: actions/upload-artifact@v4
                with:
                  name: maas-mirror
                  path: mirror
              - publish: $(Mirror)
                artifact: maas-mirror
              - uses: actions/upload-artifact@v4
                with:
                  path: |
                    maas-mirror.tar
                    mirror/streams/v1
            """));
        var steps = ((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("steps")]).Children.OfType<YamlMappingNode>().ToList();
        Assert.Equal(["mirror", "$(Mirror)", "mirror/streams/v1"], RawFolderUploads(steps));
    }

    /// <summary>
    /// Paths of artifact uploads (GitHub upload-artifact, Azure publish/PublishPipelineArtifact) that
    /// are not one archive: a folder there holds simplestreams documents, whose ':' artifacts refuse.
    /// </summary>
    private static List<string> RawFolderUploads(IEnumerable<YamlMappingNode> steps)
    {
        var paths = new List<string>();
        foreach (var step in steps)
        {
            if (Text(step, "uses")?.StartsWith("actions/upload-artifact@", StringComparison.Ordinal) == true)
                paths.AddRange((Text(Child(step, "with"), "path") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            else if (Text(step, "publish") is { } published)
                paths.Add(published.Trim());
            else if (Text(step, "task")?.StartsWith("PublishPipelineArtifact@", StringComparison.Ordinal) == true)
                paths.Add(Text(Child(step, "inputs"), "targetPath") ?? "");
        }
        string[] archives = [".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.zst"];
        return paths.Where(p => !archives.Any(a => p.EndsWith(a, StringComparison.Ordinal))).ToList();
    }

    [Fact]
    public void Azure_Pipelines_caches_on_the_updated_stamp_and_keeps_a_tar_of_the_mirror()
    {
        var steps = Steps("azure-pipelines.yml");
        var stamp = Assert.Single(steps, s => Text(s, "pwsh")?.Contains("task.setvariable variable=StreamUpdated", StringComparison.Ordinal) == true);
        Assert.Contains(".Updated", Text(stamp, "pwsh"), StringComparison.Ordinal);

        var cache = Assert.Single(steps, s => Text(s, "task") == "Cache@2");
        Assert.Contains("$(StreamUpdated)", Text(Child(cache, "inputs"), "key"), StringComparison.Ordinal);
        Assert.Equal("$(Mirror)", Text(Child(cache, "inputs"), "path"));

        var publish = Assert.Single(steps, s => Text(s, "publish") is not null);
        Assert.Equal("$(Build.ArtifactStagingDirectory)/maas-mirror.tar", Text(publish, "publish"));
    }

    // ---- YAML and PowerShell plumbing ----

    private sealed record Script(string Step, ScriptBlockAst Ast);

    private sealed record ModuleCommand(string Name, IReadOnlyDictionary<string, Type?> Parameters);

    private static YamlMappingNode Load(string recipe)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Examples, recipe)))
            yaml.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(yaml.Documents).RootNode);
    }

    /// <summary>Every step mapping (an item of any `steps:` sequence, at any depth).</summary>
    private static List<YamlMappingNode> Steps(string recipe)
    {
        var steps = new List<YamlMappingNode>();
        void Walk(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        if (key is YamlScalarNode { Value: "steps" } && value is YamlSequenceNode sequence)
                            steps.AddRange(sequence.Children.OfType<YamlMappingNode>());
                        else
                            Walk(value);
                    }
                    break;
                case YamlSequenceNode seq:
                    foreach (var child in seq.Children) Walk(child);
                    break;
            }
        }
        Walk(Load(recipe));
        Assert.NotEmpty(steps);
        return steps;
    }

    /// <summary>
    /// The PowerShell script blocks of a recipe, parsed: GitHub `run:` with `shell: pwsh`, Azure
    /// `pwsh:` and `powershell:` steps. A shell (`run:`/`script:`/`bash:`) step that calls a
    /// MaasImages command fails the test: it would not run there.
    /// </summary>
    private static List<Script> PowerShellScripts(string recipe)
    {
        var scripts = new List<Script>();
        foreach (var step in Steps(recipe))
        {
            var name = Text(step, "name") ?? Text(step, "displayName") ?? "(unnamed)";
            var shell = Text(step, "shell");
            string? source = null;
            if (Text(step, "pwsh") is { } pwsh) source = pwsh;
            else if (Text(step, "powershell") is { } powershell) source = powershell;
            else if (Text(step, "run") is { } run && shell is "pwsh" or "powershell") source = run;
            else if (Text(step, "task")?.StartsWith("AzurePowerShell@", StringComparison.Ordinal) == true) source = Text(Child(step, "inputs"), "Inline");

            if (source is null)
            {
                foreach (var key in new[] { "run", "script", "bash" })
                    Assert.False((Text(step, key) ?? "").Contains("-Maas", StringComparison.OrdinalIgnoreCase),
                        $"{recipe}, step '{name}': a MaasImages command in a non-PowerShell '{key}:' block");
                continue;
            }

            var ast = Parser.ParseInput(source, out _, out var errors);
            Assert.True(errors.Length == 0, $"{recipe}, step '{name}': {string.Join("; ", errors.Select(e => e.Message))}");
            scripts.Add(new Script(name, ast));
        }
        return scripts;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Text(YamlNode? node, string key) =>
        node is YamlMappingNode map && Child(map, key) is YamlScalarNode scalar ? scalar.Value : null;

    private static CommandElementAst? NextElement(CommandAst call, CommandParameterAst parameter)
    {
        var index = call.CommandElements.IndexOf(parameter);
        return index + 1 < call.CommandElements.Count && call.CommandElements[index + 1] is not CommandParameterAst
            ? call.CommandElements[index + 1]
            : null;
    }

    /// <summary>The module's commands (aliases resolved) with every parameter name and alias.</summary>
    private Dictionary<string, ModuleCommand> LoadModuleCommands()
    {
        var result = _session.Run("""
            Get-Command -Module MaasImages | ForEach-Object {
                $command = if ($_.CommandType -eq 'Alias') { $_.ResolvedCommand } else { $_ }
                [pscustomobject]@{
                    Name       = $_.Name
                    Resolved   = $command.Name
                    Parameters = @($command.Parameters.Values | ForEach-Object {
                        foreach ($n in @($_.Name) + @($_.Aliases)) { [pscustomobject]@{ Name = $n; Type = $_.ParameterType } }
                    })
                }
            }
            """);
        Assert.Empty(result.Errors);
        var commands = new Dictionary<string, ModuleCommand>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in result.Output)
        {
            var parameters = new Dictionary<string, Type?>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in (object[])item.Properties["Parameters"].Value)
            {
                var parameter = (PSObject)p;
                var type = parameter.Properties["Type"].Value as Type;
                if (type is not null && Nullable.GetUnderlyingType(type) is { } underlying) type = underlying;
                parameters[(string)parameter.Properties["Name"].Value] = type;
            }
            commands[(string)item.Properties["Name"].Value] = new ModuleCommand((string)item.Properties["Resolved"].Value, parameters);
        }
        Assert.Contains("Save-MaasImage", commands.Keys);
        return commands;
    }
}
