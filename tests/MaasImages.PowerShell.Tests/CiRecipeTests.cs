using System.Management.Automation;
using System.Reflection;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// The CI recipes in docs/examples: parsed as YAML, every PowerShell script block in them parsed
/// by PowerShell's own parser, and every MaasImages command they call checked against the real
/// module (imported in-process): the command exists, each named parameter it uses exists on it,
/// one parameter set takes them together, and the properties read from its output exist.
/// </summary>
public sealed class CiRecipeTests : IDisposable
{
    private static readonly string Examples = Path.Combine(PowerShellSession.RepoRoot, "docs", "examples");
    private static readonly Regex MaasCommandName = new(@"^[A-Za-z]+-Maas", RegexOptions.CultureInvariant);

    private readonly PowerShellSession _session = new();
    private readonly Lazy<Dictionary<string, ModuleCommand>> _commands;

    public CiRecipeTests() => _commands = new(() => ModuleCommand.Load(_session));

    public void Dispose() => _session.Dispose();

    public static TheoryData<string> Recipes => new() { "github-actions.yml", "azure-pipelines.yml" };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Every_PowerShell_step_parses_and_uses_only_commands_parameter_sets_and_properties_the_module_has(string recipe)
    {
        Assert.Empty(Problems(recipe, Load(recipe), out var checkedCalls));
        Assert.True(checkedCalls >= 4, $"{recipe}: only {checkedCalls} MaasImages command calls found");
    }

    [Fact]
    public void A_recipe_with_a_syntax_error_an_unknown_parameter_clashing_parameters_or_a_missing_property_is_caught()
    {
        // Every way a PowerShell step is written in either CI (GitHub run with shell or the workflow's
        // default shell, Azure pwsh steps, PowerShell@2, AzureCLI@2 pscore), each with one mistake.
        var yaml = new YamlStream();
        yaml.Load(new StringReader("""
            defaults:
              run:
                shell: pwsh
            steps:
              - name: default shell
                run: Get-MaasStream stable | Save-MaasImage -Path ./m -Layuot Mirror
              - name: syntax
                shell: pwsh
                run: "Get-MaasStream stable | ForEach-Object {"
              - name: property
                pwsh: |
                  $stream = Get-MaasStream stable
                  Write-Host $stream.Updated.UtcDateTime $stream.ProductCount $stream.UpdatedStamp
              - name: parameter sets
                task: PowerShell@2
                inputs:
                  targetType: inline
                  pwsh: true
                  script: Save-MaasImage -Path ./m -LiteralPath ./n
              - name: cli
                task: AzureCLI@2
                inputs:
                  scriptType: pscore
                  scriptLocation: inlineScript
                  inlineScript: Publish-MaasMirror -Path ./m -ContainerUri $env:URI -Purge
              - name: bash
                shell: bash
                run: pwsh -c 'Save-MaasImage -Path ./m'
            """));
        var problems = Problems("synthetic.yml", (YamlMappingNode)yaml.Documents[0].RootNode, out _);
        Assert.Collection(problems,
            p => Assert.Contains("step 'syntax': ", p),
            p => Assert.Contains("step 'bash': a MaasImages command in a non-PowerShell 'run:' block", p),
            p => Assert.Contains("step 'default shell': Save-MaasImage has no parameter -Layuot", p),
            p => Assert.Contains("step 'property': $stream (MaasStream) has no member 'UpdatedStamp'", p),
            p => Assert.Contains("step 'parameter sets': no parameter set of Save-MaasImage takes -Path, -LiteralPath together", p),
            p => Assert.Contains("step 'cli': Publish-MaasMirror has no parameter -Purge", p));
    }

    /// <summary>
    /// What is wrong with the PowerShell of a recipe: syntax errors and MaasImages commands in
    /// non-PowerShell steps (first), then per step: MaasImages commands that do not exist;
    /// parameters a command does not have; parameters no single parameter set takes together
    /// (with pipeline input where a pipe feeds the command); enum values the parameter does not
    /// accept; properties read from a variable holding a MaasImages command's output that its
    /// output type does not have (PowerShell would give $null silently).
    /// </summary>
    private List<string> Problems(string recipe, YamlMappingNode root, out int checkedCalls)
    {
        var problems = new List<string>();
        checkedCalls = 0;
        foreach (var script in PowerShellScripts(root, problems))
        {
            var where = $"{recipe}, step '{script.Step}'";
            var outputs = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
            foreach (var call in script.Ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
            {
                var name = call.GetCommandName();
                if (name is null) continue;
                var known = _commands.Value.TryGetValue(name, out var command);
                if (!known && !MaasCommandName.IsMatch(name)) continue; // not ours (Install-PSResource, Write-Host, …)
                if (!known)
                {
                    problems.Add($"{where}: '{name}' is not a MaasImages command (line: {call.Extent.Text})");
                    continue;
                }
                checkedCalls++;
                var used = new List<string>();
                var unknown = false;
                foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>())
                {
                    if (!command!.Parameters.TryGetValue(parameter.ParameterName, out var type))
                    {
                        problems.Add($"{where}: {command.Name} has no parameter -{parameter.ParameterName} (line: {call.Extent.Text})");
                        unknown = true;
                        continue;
                    }
                    used.Add(command.Canonical[parameter.ParameterName]);
                    var value = parameter.Argument ?? NextElement(call, parameter);
                    if (type is { IsEnum: true } && value is StringConstantExpressionAst constant && !Enum.TryParse(type, constant.Value, ignoreCase: true, out _))
                        problems.Add($"{where}: '{constant.Value}' is not a valid -{parameter.ParameterName} ({string.Join(", ", Enum.GetNames(type))})");
                }
                var piped = call.Parent is PipelineAst pipeline && pipeline.PipelineElements.IndexOf(call) > 0;
                if (!unknown && !command!.Sets.Any(set => used.All(set.Parameters.Contains) && (!piped || set.TakesPipeline)))
                    problems.Add($"{where}: no parameter set of {command.Name} takes {string.Join(", ", used.Select(u => "-" + u))} together{(piped ? " with pipeline input" : "")} (line: {call.Extent.Text})");
                if (call.Parent is PipelineAst { Parent: AssignmentStatementAst { Left: VariableExpressionAst variable } } assigned
                    && assigned.PipelineElements[^1] == call && command!.Output is { } output)
                    outputs[variable.VariablePath.UserPath] = output;
            }
            foreach (var member in script.Ast.FindAll(a => a is MemberExpressionAst, searchNestedScriptBlocks: true).Cast<MemberExpressionAst>())
            {
                // $variable.Member…: the chain of properties is walked from its first member.
                if (member.Expression is not VariableExpressionAst variable || !outputs.TryGetValue(variable.VariablePath.UserPath, out var type)) continue;
                var current = type;
                for (Ast? node = member; node is MemberExpressionAst { Member: StringConstantExpressionAst part }; node = node.Parent)
                {
                    current = Nullable.GetUnderlyingType(current) ?? current;
                    var found = current.GetMember(part.Value, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                    if (found.Length == 0)
                    {
                        problems.Add($"{where}: ${variable.VariablePath.UserPath} ({type.Name}) has no member '{part.Value}' (line: {member.Extent.Text})");
                        break;
                    }
                    if (found[0] is not PropertyInfo property) break; // a method: its result is not followed
                    current = property.PropertyType;
                }
            }
        }
        return problems;
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
    /// The PowerShell script blocks of a recipe, parsed: GitHub `run:` with `shell: pwsh` (or the
    /// workflow's or job's `defaults: run: shell: pwsh`), Azure `pwsh:` and `powershell:` steps,
    /// PowerShell@2 and AzurePowerShell@5 inline scripts, AzureCLI@2 `scriptType: pscore`/`ps`
    /// inline scripts. A syntax error, or a MaasImages command in a shell (`run:`/`script:`/`bash:`)
    /// step, where it would not run, is a problem.
    /// </summary>
    private static List<Script> PowerShellScripts(YamlMappingNode root, List<string> problems)
    {
        var scripts = new List<Script>();
        foreach (var (step, defaultShell) in StepsWithDefaultShell(root, null))
        {
            var name = Text(step, "name") ?? Text(step, "displayName") ?? "(unnamed)";
            var shell = Text(step, "shell") ?? defaultShell;
            var inputs = Child(step, "inputs");
            var task = Text(step, "task") ?? "";
            string? source = null;
            if (Text(step, "pwsh") is { } pwsh) source = pwsh;
            else if (Text(step, "powershell") is { } powershell) source = powershell;
            else if (Text(step, "run") is { } run && shell is "pwsh" or "powershell") source = run;
            else if (task.StartsWith("AzurePowerShell@", StringComparison.Ordinal)) source = Text(inputs, "Inline");
            else if (task.StartsWith("PowerShell@", StringComparison.Ordinal)) source = Text(inputs, "script");
            else if (task.StartsWith("AzureCLI@", StringComparison.Ordinal) && Text(inputs, "scriptType") is "pscore" or "ps") source = Text(inputs, "inlineScript");

            if (source is null)
            {
                foreach (var key in new[] { "run", "script", "bash" })
                    if ((Text(step, key) ?? "").Contains("-Maas", StringComparison.OrdinalIgnoreCase))
                        problems.Add($"step '{name}': a MaasImages command in a non-PowerShell '{key}:' block");
                continue;
            }

            var ast = Parser.ParseInput(source, out _, out var errors);
            if (errors.Length > 0) problems.Add($"step '{name}': {string.Join("; ", errors.Select(e => e.Message))}");
            else scripts.Add(new Script(name, ast));
        }
        return scripts;
    }

    /// <summary>The recipe's PowerShell scripts, every step parsing (the other tests look at what they call).</summary>
    private static List<Script> PowerShellScripts(string recipe)
    {
        var problems = new List<string>();
        var scripts = PowerShellScripts(Load(recipe), problems);
        Assert.Empty(problems);
        Assert.NotEmpty(scripts);
        return scripts;
    }

    /// <summary>Every step mapping with the `defaults: run: shell:` in force where it stands (GitHub: workflow, then job).</summary>
    private static IEnumerable<(YamlMappingNode Step, string? DefaultShell)> StepsWithDefaultShell(YamlNode node, string? defaultShell)
    {
        if (node is YamlSequenceNode sequence)
        {
            foreach (var child in sequence.Children)
                foreach (var found in StepsWithDefaultShell(child, defaultShell)) yield return found;
            yield break;
        }
        if (node is not YamlMappingNode map) yield break;
        if (Text(Child(Child(map, "defaults") as YamlMappingNode ?? new YamlMappingNode(), "run"), "shell") is { } shell) defaultShell = shell;
        foreach (var (key, value) in map.Children)
        {
            if (key is YamlScalarNode { Value: "steps" } && value is YamlSequenceNode steps)
                foreach (var step in steps.Children.OfType<YamlMappingNode>()) yield return (step, defaultShell);
            else
                foreach (var found in StepsWithDefaultShell(value, defaultShell)) yield return found;
        }
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
}
