using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// What README.md and about_MaasImages show a user to type is what the module takes: every
/// PowerShell block parses and calls MaasImages commands only with parameters they have (one
/// parameter set taking them together), every command syntax written inline names only real
/// parameters, and the set-up commands are the ones the build script and CI run.
/// </summary>
public sealed partial class ReadmePromiseTests : IDisposable
{
    private static readonly string Readme = Path.Combine(PowerShellSession.RepoRoot, "README.md");
    private static readonly string About = Path.Combine(PowerShellSession.RepoRoot, "docs", "en-US", "about_MaasImages.help.md");

    private readonly PowerShellSession _session = new();
    private readonly Lazy<Dictionary<string, ModuleCommand>> _commands;

    public ReadmePromiseTests() => _commands = new(() => ModuleCommand.Load(_session));

    public void Dispose() => _session.Dispose();

    public static TheoryData<string> Documents => new() { "README.md", "about_MaasImages.help.md" };

    private static string PathOf(string document) => document == "README.md" ? Readme : About;

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_PowerShell_block_parses_and_gives_each_command_parameters_it_has_in_one_set(string document)
    {
        var blocks = PowerShellBlocks(File.ReadAllText(PathOf(document)));
        Assert.True(blocks.Count >= 2, $"{document}: only {blocks.Count} powershell blocks found");
        var problems = new List<string>();
        var calls = 0;
        foreach (var block in blocks)
        {
            var ast = Parser.ParseInput(block, out _, out var errors);
            if (errors.Length > 0)
            {
                problems.Add($"does not parse ({errors[0].Message}): {block}");
                continue;
            }
            foreach (var call in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
            {
                if (call.GetCommandName() is not { } name || !IsOurs(name, out var command)) continue;
                calls++;
                var used = new List<string>();
                foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>())
                {
                    if (command.Resolve(parameter.ParameterName) is { } canonical) used.Add(canonical);
                    else problems.Add($"{command.Name} has no parameter -{parameter.ParameterName}: {call.Extent.Text}");
                }
                var piped = call.Parent is PipelineAst pipeline && pipeline.PipelineElements.IndexOf(call) > 0;
                var positional = call.CommandElements.Skip(1).Count(e => e is not CommandParameterAst && !command.IsArgument(call, e));
                if (!command.Sets.Any(set => used.All(set.Parameters.Contains) && (!piped || set.TakesPipeline) && positional <= set.Positions))
                    problems.Add($"no parameter set of {command.Name} takes {string.Join(", ", used.Select(u => "-" + u))}{(positional > 0 ? $" and {positional} positional value(s)" : "")} together{(piped ? " with pipeline input" : "")}: {call.Extent.Text}");
            }
        }
        Assert.True(problems.Count == 0, $"{document}:\n" + string.Join("\n", problems));
        Assert.True(calls >= 5, $"{document}: only {calls} MaasImages command calls found in its blocks");
    }

    [Fact]
    public void Every_inline_command_syntax_in_the_README_names_only_parameters_the_command_has()
    {
        // `Save-MaasImage -Path <dir> [-Layout Rack|Mirror] …`, `Install-MaasBootloader -Arch`: a code span
        // starting with a command name; every -Name in it must be a parameter (or alias) of that command.
        var text = File.ReadAllText(Readme);
        var problems = new List<string>();
        var spans = 0;
        foreach (Match span in CodeSpan().Matches(BlocksRemoved(text)))
        {
            var body = span.Groups["body"].Value;
            var first = body.Split((char[])[' ', '\n', '\r'], 2)[0];
            if (!IsOurs(first, out var command)) continue;
            spans++;
            // A command line (it parses): each MaasImages command of its pipeline; a syntax ([-Layout Rack|Mirror]): its -Names.
            var ast = Parser.ParseInput(body, out _, out var errors);
            var uses = errors.Length == 0
                ? ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>()
                    .SelectMany(c => IsOurs(c.GetCommandName() ?? "", out var called)
                        ? c.CommandElements.OfType<CommandParameterAst>().Select(p => (called, p.ParameterName))
                        : [])
                : ParameterToken().Matches(body).Select(m => (command, m.Groups["name"].Value));
            foreach (var (called, parameter) in uses)
            {
                if (called.Resolve(parameter) is null)
                    problems.Add($"{called.Name} has no parameter -{parameter}: `{body}`");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(spans >= 10, $"only {spans} inline command spans found");
    }

    [Fact]
    public void The_set_up_commands_are_what_CI_runs_with_tasks_the_build_script_has()
    {
        var readme = File.ReadAllText(Readme);
        var setUp = Section(readme, "## Set-up: the two commands");
        var commands = setUp.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("dotnet ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Demo",
             "dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Test"], commands);

        // .ci/run is "exactly the README's test command" (non-interactive, so nothing can wait for input).
        var ci = File.ReadAllLines(Path.Combine(PowerShellSession.RepoRoot, ".ci", "run")).Single(l => l.StartsWith("dotnet ", StringComparison.Ordinal));
        Assert.Equal(commands[1], ci.Replace(" -NonInteractive", "", StringComparison.Ordinal));

        // Every -Task the README names is one build.ps1 takes; the test run's last line is the one it promises.
        var build = File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "build.ps1"));
        var tasks = Regex.Match(build, @"\[ValidateSet\((?<tasks>[^)]*)\)\]\s*\[string\]\s*\$Task").Groups["tasks"].Value;
        foreach (Match task in Regex.Matches(readme, @"-Task (?<name>[A-Z]\w+)"))
            Assert.Contains($"'{task.Groups["name"].Value}'", tasks);
        Assert.Contains("""Write-Host "$passed passed, $failed failed, $skipped skipped""", build);
        Assert.Contains("The test command ends with a line `N passed, N failed, N skipped`", readme);
        Assert.Matches(@"\$ModuleOut = Join-Path \$Out 'MaasImages'", build);
        Assert.Contains("`-Task Build` alone leaves an\nimportable module in `out/MaasImages/`", readme);
    }

    [Fact]
    public void The_toolchain_versions_the_README_names_are_the_repository_s()
    {
        var readme = File.ReadAllText(Readme);
        using var tools = JsonDocument.Parse(File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "dotnet-tools.json")));
        var pwsh = tools.RootElement.GetProperty("tools").GetProperty("powershell").GetProperty("version").GetString();
        Assert.Contains($"PowerShell itself ({pwsh})", readme);
        using var global = JsonDocument.Parse(File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "global.json")));
        var sdk = global.RootElement.GetProperty("sdk").GetProperty("version").GetString()!;
        Assert.Contains($"only the .NET SDK ({string.Join('.', sdk.Split('.').Take(2))}.x)", readme);
        // "PowerShell 7.4+": the manifest's minimum.
        var manifest = File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "MaasImages.psd1"));
        Assert.Matches(@"PowerShellVersion\s*=\s*'7\.4'", manifest);
        Assert.Contains("PowerShell 7.4+", readme);
    }

    [Fact]
    public void Only_the_public_half_of_the_sample_signing_key_is_kept()
    {
        var keys = Path.Combine(PowerShellSession.RepoRoot, "samples", "keys");
        var files = Directory.GetFiles(keys, "*", SearchOption.AllDirectories);
        Assert.Equal(["sample-signing-key.asc"], files.Select(Path.GetFileName));
        var text = File.ReadAllText(files[0]);
        Assert.Contains("-----BEGIN PGP PUBLIC KEY BLOCK-----", text);
        Assert.DoesNotContain("PRIVATE KEY", text);
        // And no secret key anywhere in the repository's samples.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(PowerShellSession.RepoRoot, "samples"), "*", SearchOption.AllDirectories))
            Assert.False(File.ReadAllText(file).Contains("PRIVATE KEY BLOCK", StringComparison.Ordinal), $"{file} holds a private key");
    }

    [Theory]
    [InlineData("Get-MaasBootSnapshot -Path $missing")]
    [InlineData("New-MaasBootLink -Path $missing")]
    public void A_Path_that_does_not_exist_is_FolderNotFound(string script)
    {
        var missing = Path.Combine(Path.GetTempPath(), "maasimages-missing-" + Guid.NewGuid().ToString("N"));
        var result = _session.Run(script, new Dictionary<string, object?> { ["missing"] = missing });
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("FolderNotFound", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains(missing, error.Exception.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing), "nothing is created where the folder is missing");
    }

    // ---- reading the documents ----

    /// <summary>The bodies of the ```powershell fenced blocks.</summary>
    private static List<string> PowerShellBlocks(string text) =>
        FencedBlock().Matches(text).Where(m => m.Groups["lang"].Value == "powershell").Select(m => m.Groups["body"].Value).ToList();

    /// <summary>The text with every fenced block blanked out (their backticks are not code spans).</summary>
    private static string BlocksRemoved(string text) => FencedBlock().Replace(text, "");

    private static string Section(string text, string heading)
    {
        var start = text.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README: '{heading}' is gone");
        var end = text.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return text[start..(end < 0 ? text.Length : end)];
    }

    private bool IsOurs(string name, out ModuleCommand command) => _commands.Value.TryGetValue(name, out command!);

    [GeneratedRegex(@"^```(?<lang>\w*)\r?\n(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"(?<!`)`(?<body>[^`]+)`(?!`)")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"(?<![\w-])-(?<name>[A-Z][A-Za-z]+)")]
    private static partial Regex ParameterToken();
}
