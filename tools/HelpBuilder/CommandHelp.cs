namespace MaasImages.HelpBuilder;

/// <summary>The help of one cmdlet, as read from its platyPS-style Markdown page; <see cref="HelpFile"/> is the MAML file it belongs in.</summary>
internal sealed record CommandHelp(
    string HelpFile,
    string Name,
    string Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<SyntaxHelp> Syntax,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<ExampleHelp> Examples,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<LinkHelp> RelatedLinks)
{
    public string Verb => Name.Split('-', 2)[0];
    public string Noun => Name.Split('-', 2).ElementAtOrDefault(1) ?? string.Empty;
}

/// <summary>One parameter set of the SYNTAX section; <see cref="Text"/> is the syntax line as written.</summary>
internal sealed record SyntaxHelp(string ParameterSet, bool IsDefault, string Text);

/// <summary>One "### -Name" entry of the PARAMETERS section with its yaml block.</summary>
internal sealed record ParameterHelp(
    string Name,
    IReadOnlyList<string> Description,
    string Type,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> AcceptedValues,
    bool Required,
    string Position,
    string DefaultValue,
    string PipelineInput,
    bool Globbing)
{
    /// <summary>The yaml says "Parameter Sets: (All)".</summary>
    public bool InAllSets => ParameterSets.Count == 0;

    public bool IsSwitch => Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase);

    public bool BelongsTo(string parameterSet) => InAllSets || ParameterSets.Contains(parameterSet, StringComparer.OrdinalIgnoreCase);
}

internal sealed record ExampleHelp(string Title, string Code, IReadOnlyList<string> Remarks);

/// <summary>An entry of INPUTS or OUTPUTS: a type name and what it means.</summary>
internal sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);

/// <summary>A related link: its text and, for absolute links, the address.</summary>
internal sealed record LinkHelp(string Text, string Uri);
