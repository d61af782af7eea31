using System.Text.RegularExpressions;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace MaasImages.HelpBuilder;

/// <summary>
/// Reads a platyPS-style cmdlet page (docs/en-US/&lt;Cmdlet&gt;.md) into a <see cref="CommandHelp"/>,
/// refusing pages that miss what Get-Help needs.
/// </summary>
internal static partial class CommandPageReader
{
    public static CommandHelp Read(string file)
    {
        var page = MarkdownSections.Parse(File.ReadAllText(file));
        var name = page.Title;
        if (!CmdletName().IsMatch(name)) throw HelpFormatException.In(file, $"the '# Title' must be the cmdlet name (Verb-Noun), not '{name}'.");
        var helpFile = FrontMatterValue(page.FrontMatter, "external help file");
        if (string.IsNullOrEmpty(helpFile) || helpFile.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw HelpFormatException.In(file, "the YAML front matter must name the MAML file: 'external help file: <Assembly>.dll-Help.xml'.");

        MarkdownSections.Section Required(string heading) =>
            page.Find(heading) ?? throw HelpFormatException.In(file, $"the section '## {heading}' is missing.");

        var synopsis = string.Join(" ", PlainText.Paragraphs(Required("SYNOPSIS").Body));
        if (synopsis.Length == 0) throw HelpFormatException.In(file, "the synopsis is empty.");
        var description = PlainText.Paragraphs(Required("DESCRIPTION").Body);
        if (description.Count == 0) throw HelpFormatException.In(file, "the description is empty.");

        return new CommandHelp(
            helpFile,
            name,
            synopsis,
            description,
            ReadSyntax(file, Required("SYNTAX")),
            ReadParameters(file, Required("PARAMETERS")),
            ReadExamples(file, Required("EXAMPLES")),
            ReadTypes(Required("INPUTS")),
            ReadTypes(Required("OUTPUTS")),
            PlainText.Paragraphs(page.Find("NOTES")?.Body ?? []),
            ReadLinks(Required("RELATED LINKS")));
    }

    private static string? FrontMatterValue(string? frontMatter, string key) =>
        frontMatter?.Split('\n')
            .Select(line => line.Split(':', 2))
            .Where(pair => pair.Length == 2 && pair[0].Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair[1].Trim())
            .FirstOrDefault();

    private static List<SyntaxHelp> ReadSyntax(string file, MarkdownSections.Section section)
    {
        var syntax = new List<SyntaxHelp>();
        foreach (var set in section.Subsections)
        {
            var match = SetHeading().Match(set.Heading);
            var code = set.Blocks.OfType<CodeBlock>().FirstOrDefault()
                ?? throw HelpFormatException.In(file, $"syntax '{set.Heading}' has no code block.");
            syntax.Add(new SyntaxHelp(match.Groups["name"].Value.Trim(), match.Groups["default"].Success, PlainText.CodeOf(code)));
        }
        if (syntax.Count == 0) throw HelpFormatException.In(file, "'## SYNTAX' has no '### <parameter set>' entry.");
        return syntax;
    }

    private static List<ParameterHelp> ReadParameters(string file, MarkdownSections.Section section)
    {
        var parameters = new List<ParameterHelp>();
        foreach (var entry in section.Subsections)
        {
            if (entry.Heading.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase)) continue;
            if (!entry.Heading.StartsWith('-')) throw HelpFormatException.In(file, $"'### {entry.Heading}' under PARAMETERS must be '### -Name'.");
            var name = entry.Heading[1..].Trim();
            var yaml = entry.Blocks.OfType<FencedCodeBlock>().FirstOrDefault(b => string.Equals(b.Info, "yaml", StringComparison.OrdinalIgnoreCase))
                ?? throw HelpFormatException.In(file, $"parameter -{name} has no ```yaml block.");
            var description = PlainText.Paragraphs(entry.Blocks.Where(b => b != yaml));
            if (description.Count == 0) throw HelpFormatException.In(file, $"parameter -{name} has no description.");
            parameters.Add(ParameterMetadata.Read(file, name, description, PlainText.CodeOf(yaml)));
        }
        return parameters;
    }

    private static List<ExampleHelp> ReadExamples(string file, MarkdownSections.Section section)
    {
        var examples = new List<ExampleHelp>();
        foreach (var entry in section.Subsections)
        {
            var code = entry.Blocks.OfType<CodeBlock>().ToList();
            if (code.Count == 0) throw HelpFormatException.In(file, $"example '{entry.Heading}' has no code block.");
            examples.Add(new ExampleHelp(entry.Heading, string.Join("\n\n", code.Select(PlainText.CodeOf)),
                PlainText.Paragraphs(entry.Blocks.Where(b => b is not CodeBlock))));
        }
        if (examples.Count == 0) throw HelpFormatException.In(file, "'## EXAMPLES' has no '### Example N: title' entry.");
        return examples;
    }

    private static List<TypeHelp> ReadTypes(MarkdownSections.Section section) =>
        section.Subsections.Select(s => new TypeHelp(s.Heading, PlainText.Paragraphs(s.Blocks))).ToList();

    private static List<LinkHelp> ReadLinks(MarkdownSections.Section section)
    {
        var links = new List<LinkHelp>();
        foreach (var paragraph in section.Body.OfType<ParagraphBlock>())
        {
            foreach (var link in paragraph.Inline?.Descendants<LinkInline>() ?? [])
            {
                var text = PlainText.Of(link);
                links.Add(new LinkHelp(text.Length > 0 ? text : link.Url ?? string.Empty, PlainText.IsAbsolute(link.Url) ? link.Url! : string.Empty));
            }
        }
        return links;
    }

    [GeneratedRegex(@"^[A-Za-z]+-[A-Za-z0-9]+$")]
    private static partial Regex CmdletName();

    /// <summary>"Source (Default)" → name Source, default set.</summary>
    [GeneratedRegex(@"^(?<name>.+?)(?<default>\s*\(Default\))?$", RegexOptions.IgnoreCase)]
    private static partial Regex SetHeading();
}
