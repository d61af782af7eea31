using System.Text;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace MaasImages.HelpBuilder;

/// <summary>What a block of Markdown becomes in plain-text help.</summary>
internal enum TextBlockKind
{
    Paragraph,
    ListItem,
    Code,
}

/// <summary>One block of plain text: a paragraph (one line, to be wrapped), a list item, or verbatim code.</summary>
internal sealed record TextBlock(TextBlockKind Kind, string Text);

/// <summary>
/// Markdown to plain text: emphasis dropped, code spans kept as their text, links as "text (address)",
/// and anything that looks like HTML (&lt;sha256&gt;) kept literally.
/// </summary>
internal static class PlainText
{
    /// <summary>The text of the inline's children (a paragraph, a heading, a link's label).</summary>
    public static string Of(ContainerInline? inline)
    {
        if (inline is null) return string.Empty;
        var text = new StringBuilder();
        Append(text, inline.FirstChild);
        return text.ToString().Trim();
    }

    /// <summary>The blocks as plain-text blocks, in order; nested lists are flattened.</summary>
    public static IEnumerable<TextBlock> Blocks(IEnumerable<Block> blocks)
    {
        foreach (var block in blocks)
        {
            switch (block)
            {
                case ParagraphBlock paragraph:
                    yield return new TextBlock(TextBlockKind.Paragraph, Of(paragraph.Inline));
                    break;
                case ListBlock list:
                    foreach (var item in list.OfType<ListItemBlock>())
                    {
                        var parts = Blocks(item).ToList();
                        var first = parts.FirstOrDefault(p => p.Kind == TextBlockKind.Paragraph);
                        if (first is not null) yield return new TextBlock(TextBlockKind.ListItem, first.Text);
                        foreach (var part in parts.Where(p => p != first)) yield return part;
                    }
                    break;
                case CodeBlock code:
                    yield return new TextBlock(TextBlockKind.Code, CodeOf(code));
                    break;
                case HtmlBlock html:
                    yield return new TextBlock(TextBlockKind.Paragraph, string.Join(" ", html.Lines.ToString().Split('\n', StringSplitOptions.TrimEntries)));
                    break;
                case QuoteBlock quote:
                    foreach (var part in Blocks(quote)) yield return part;
                    break;
                default:
                    break; // thematic breaks: nothing to say in plain text
            }
        }
    }

    /// <summary>Plain-text paragraphs of the blocks; list items start with "- ".</summary>
    public static IReadOnlyList<string> Paragraphs(IEnumerable<Block> blocks) =>
        Blocks(blocks).Select(b => b.Kind == TextBlockKind.ListItem ? "- " + b.Text : b.Text)
            .Where(t => t.Length > 0).ToList();

    public static string CodeOf(CodeBlock code) => code.Lines.ToString().TrimEnd();

    private static void Append(StringBuilder text, Inline? inline)
    {
        for (; inline is not null; inline = inline.NextSibling)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    text.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    text.Append(code.Content);
                    break;
                case LineBreakInline lineBreak:
                    text.Append(lineBreak.IsHard ? "\n" : " ");
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case LinkInline link:
                    var label = new StringBuilder();
                    Append(label, link.FirstChild);
                    text.Append(label);
                    if (IsAbsolute(link.Url) && !string.Equals(label.ToString(), link.Url, StringComparison.Ordinal))
                        text.Append(" (").Append(link.Url).Append(')');
                    break;
                case HtmlInline html:
                    text.Append(html.Tag); // help text is not HTML: "cache/<sha256>" means what it says
                    break;
                case ContainerInline container:
                    Append(text, container.FirstChild);
                    break;
                default:
                    break;
            }
        }
    }

    public static bool IsAbsolute(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
