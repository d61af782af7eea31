using System.Text;

namespace MaasImages.HelpBuilder;

/// <summary>
/// Turns an about_ page (about_X.help.md) into the plain text Get-Help prints (about_X.help.txt):
/// "TOPIC" with the name, "## HEADING" as upper-case headings, "### Heading" underlined, paragraphs
/// wrapped at 80 columns and indented, code indented further and kept verbatim.
/// </summary>
internal static class AboutTopicWriter
{
    private const int Width = 80;
    private const string Indent = "    ";

    public static string Render(string file)
    {
        var page = MarkdownSections.Parse(File.ReadAllText(file));
        if (!page.Title.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            throw HelpFormatException.In(file, $"the '# Title' must be the topic name (about_...), not '{page.Title}'.");
        if (page.Find("SHORT DESCRIPTION") is null || page.Find("LONG DESCRIPTION") is null)
            throw HelpFormatException.In(file, "an about topic needs '## SHORT DESCRIPTION' and '## LONG DESCRIPTION'.");

        var text = new StringBuilder();
        text.Append("TOPIC\n").Append(Indent).Append(page.Title).Append('\n');
        foreach (var section in page.Sections)
        {
            text.Append('\n').Append(section.Heading.ToUpperInvariant()).Append('\n');
            AppendBlocks(text, PlainText.Blocks(section.Body));
            foreach (var subsection in section.Subsections)
            {
                text.Append('\n').Append(Indent).Append(subsection.Heading).Append('\n')
                    .Append(Indent).Append(new string('-', subsection.Heading.Length)).Append('\n');
                AppendBlocks(text, PlainText.Blocks(subsection.Blocks));
            }
        }
        return text.ToString();
    }

    private static void AppendBlocks(StringBuilder text, IEnumerable<TextBlock> blocks)
    {
        TextBlock? previous = null;
        foreach (var block in blocks)
        {
            // List items follow each other without a blank line; everything else is separated by one.
            if (previous is not null && !(previous.Kind == TextBlockKind.ListItem && block.Kind == TextBlockKind.ListItem)) text.Append('\n');
            switch (block.Kind)
            {
                case TextBlockKind.Code:
                    foreach (var line in block.Text.Split('\n')) text.Append(Indent).Append(Indent).Append(line.TrimEnd()).Append('\n');
                    break;
                case TextBlockKind.ListItem:
                    Wrap(text, block.Text, Indent + "- ", Indent + "  ");
                    break;
                default:
                    Wrap(text, block.Text, Indent, Indent);
                    break;
            }
            previous = block;
        }
    }

    /// <summary>Greedy word wrap; a word longer than the line (a URL) gets a line of its own.</summary>
    internal static void Wrap(StringBuilder text, string paragraph, string firstIndent, string indent)
    {
        var line = new StringBuilder(firstIndent);
        var empty = true;
        foreach (var word in paragraph.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > Width)
            {
                text.Append(line).Append('\n');
                line.Clear().Append(indent);
                empty = true;
            }
            if (!empty) line.Append(' ');
            line.Append(word);
            empty = false;
        }
        text.Append(line).Append('\n');
    }
}
