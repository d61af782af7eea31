using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;

namespace MaasImages.HelpBuilder;

/// <summary>
/// A Markdown page cut into its "## SECTION" parts, each cut again into its "### Subsection"
/// parts. Blocks before the first heading of a level stay in <see cref="Section.Body"/>.
/// </summary>
internal sealed class MarkdownSections
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

    private MarkdownSections(string title, IReadOnlyList<Section> sections, string? frontMatter)
    {
        Title = title;
        Sections = sections;
        FrontMatter = frontMatter;
    }

    /// <summary>The text of the "# Title" heading.</summary>
    public string Title { get; }

    public IReadOnlyList<Section> Sections { get; }

    /// <summary>The YAML front matter between the leading "---" lines, if any.</summary>
    public string? FrontMatter { get; }

    public static MarkdownSections Parse(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        string? frontMatter = null;
        var title = string.Empty;
        var sections = new List<Section>();
        Section? section = null;
        Subsection? subsection = null;
        foreach (var block in document)
        {
            switch (block)
            {
                case YamlFrontMatterBlock yaml:
                    frontMatter = yaml.Lines.ToString();
                    break;
                case HeadingBlock { Level: 1 } heading:
                    title = PlainText.Of(heading.Inline);
                    break;
                case HeadingBlock { Level: 2 } heading:
                    section = new Section(PlainText.Of(heading.Inline));
                    sections.Add(section);
                    subsection = null;
                    break;
                case HeadingBlock { Level: 3 } heading when section is not null:
                    subsection = new Subsection(PlainText.Of(heading.Inline));
                    section.Subsections.Add(subsection);
                    break;
                default:
                    if (subsection is not null) subsection.Blocks.Add(block);
                    else section?.Body.Add(block);
                    break;
            }
        }
        return new MarkdownSections(title, sections, frontMatter);
    }

    /// <summary>The section with this heading (case-insensitive), or null.</summary>
    public Section? Find(string heading) =>
        Sections.FirstOrDefault(s => s.Heading.Equals(heading, StringComparison.OrdinalIgnoreCase));

    internal sealed class Section(string heading)
    {
        public string Heading { get; } = heading;
        public List<Block> Body { get; } = [];
        public List<Subsection> Subsections { get; } = [];
    }

    internal sealed class Subsection(string heading)
    {
        public string Heading { get; } = heading;
        public List<Block> Blocks { get; } = [];
    }
}
