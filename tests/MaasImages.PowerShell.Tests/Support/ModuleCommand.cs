using System.Management.Automation;
using System.Management.Automation.Language;

namespace MaasImages.PowerShell.Tests;

/// <summary>A parameter set: its parameters (common ones included), whether one of them takes pipeline input, how many are positional.</summary>
public sealed record ModuleParameterSet(IReadOnlySet<string> Parameters, bool TakesPipeline, int Positions);

/// <summary>
/// A command of the built module as Get-Command shows it (aliases resolved): every parameter name and
/// alias with its type, the parameter each names, its switches, its parameter sets and its output type.
/// The README and CI-recipe tests check what documents call against it.
/// </summary>
public sealed record ModuleCommand(string Name, IReadOnlyDictionary<string, Type?> Parameters, IReadOnlyDictionary<string, string> Canonical,
    IReadOnlySet<string> Switches, IReadOnlyList<ModuleParameterSet> Sets, Type? Output)
{
    private static readonly HashSet<string> CommonSwitches = new(StringComparer.OrdinalIgnoreCase) { "WhatIf", "Confirm", "Verbose", "Debug", "PassThru" };

    /// <summary>The parameter a name or alias (or a unique prefix of one, as PowerShell accepts) means, or null.</summary>
    public string? Resolve(string used)
    {
        if (Canonical.TryGetValue(used, out var exact)) return exact;
        var matches = Canonical.Where(n => n.Key.StartsWith(used, StringComparison.OrdinalIgnoreCase)).Select(n => n.Value).Distinct().ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    /// <summary>True when <paramref name="element"/> is the value of the parameter before it (not a positional value).</summary>
    public bool IsArgument(CommandAst call, CommandElementAst element)
    {
        var index = call.CommandElements.IndexOf(element);
        return index > 0 && call.CommandElements[index - 1] is CommandParameterAst { Argument: null } parameter
            && !(Resolve(parameter.ParameterName) is { } name && Switches.Contains(name))
            && !CommonSwitches.Contains(parameter.ParameterName);
    }

    /// <summary>Every command of the module imported in <paramref name="session"/>, by name and alias.</summary>
    public static Dictionary<string, ModuleCommand> Load(PowerShellSession session)
    {
        var result = session.Run("""
            Get-Command -Module MaasImages | ForEach-Object {
                $command = if ($_.CommandType -eq 'Alias') { $_.ResolvedCommand } else { $_ }
                [pscustomobject]@{
                    Name       = $_.Name
                    Resolved   = $command.Name
                    Output     = @($command.OutputType | ForEach-Object Name)[0]
                    Parameters = @($command.Parameters.Values | ForEach-Object {
                        $parameter = $_
                        foreach ($n in @($_.Name) + @($_.Aliases)) { [pscustomobject]@{ Name = $n; Canonical = $parameter.Name; Type = $parameter.ParameterType } }
                    })
                    Switches   = @($command.Parameters.Values | Where-Object SwitchParameter | ForEach-Object Name)
                    Sets       = @($command.ParameterSets | ForEach-Object {
                        [pscustomobject]@{
                            Parameters    = [string[]] @($_.Parameters | ForEach-Object Name)
                            TakesPipeline = [bool] @($_.Parameters | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }).Count
                            Positions     = @($_.Parameters | Where-Object Position -GE 0).Count
                        }
                    })
                }
            }
            """);
        Assert.Empty(result.Errors);
        var commands = new Dictionary<string, ModuleCommand>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in result.Output)
        {
            var parameters = new Dictionary<string, Type?>(StringComparer.OrdinalIgnoreCase);
            var canonical = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in (object[])item.Properties["Parameters"].Value)
            {
                var parameter = (PSObject)p;
                var type = parameter.Properties["Type"].Value as Type;
                if (type is not null && Nullable.GetUnderlyingType(type) is { } underlying) type = underlying;
                var name = (string)parameter.Properties["Name"].Value;
                parameters[name] = type;
                canonical[name] = (string)parameter.Properties["Canonical"].Value;
            }
            var switches = ((object[])item.Properties["Switches"].Value).Select(o => o.ToString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var sets = ((object[])item.Properties["Sets"].Value).Cast<PSObject>()
                .Select(set => new ModuleParameterSet(((string[])set.Properties["Parameters"].Value).ToHashSet(StringComparer.OrdinalIgnoreCase),
                    (bool)set.Properties["TakesPipeline"].Value, (int)set.Properties["Positions"].Value))
                .ToList();
            // The module loads the engine in its own context: its output types are looked up in the engine this test references.
            var output = item.Properties["Output"].Value?.ToString() is { Length: > 0 } typeName ? typeof(MaasImages.Engine.Streams.MaasStream).Assembly.GetType(typeName) : null;
            commands[(string)item.Properties["Name"].Value] = new ModuleCommand((string)item.Properties["Resolved"].Value, parameters, canonical, switches, sets, output);
        }
        Assert.Contains("Save-MaasImage", commands.Keys);
        return commands;
    }
}
