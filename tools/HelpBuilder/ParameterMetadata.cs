namespace MaasImages.HelpBuilder;

/// <summary>
/// The platyPS parameter block ("Type: String[]", "Parameter Sets: (All)", "Required: True"...):
/// one "Key: value" per line, nothing nested, so a line reader is enough.
/// </summary>
internal static class ParameterMetadata
{
    public static ParameterHelp Read(string file, string name, IReadOnlyList<string> description, string yaml)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in yaml.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            values[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        string Get(string key) => values.TryGetValue(key, out var value) ? value
            : throw HelpFormatException.In(file, $"parameter -{name}: the yaml block has no '{key}:' line.");

        var sets = Get("Parameter Sets");
        return new ParameterHelp(
            Name: name,
            Description: description,
            Type: Get("Type"),
            ParameterSets: sets.Equals("(All)", StringComparison.OrdinalIgnoreCase) ? [] : List(sets),
            Aliases: List(Get("Aliases")),
            AcceptedValues: List(values.GetValueOrDefault("Accepted values") ?? string.Empty),
            Required: Boolean(file, name, "Required", Get("Required")),
            Position: Get("Position"),
            DefaultValue: Get("Default value"),
            PipelineInput: Get("Accept pipeline input"),
            Globbing: Boolean(file, name, "Accept wildcard characters", Get("Accept wildcard characters")));
    }

    private static string[] List(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static bool Boolean(string file, string name, string key, string value) =>
        bool.TryParse(value, out var result) ? result
            : throw HelpFormatException.In(file, $"parameter -{name}: '{key}' must be True or False, not '{value}'.");
}
