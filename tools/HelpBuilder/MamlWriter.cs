using System.Text;
using System.Xml;

namespace MaasImages.HelpBuilder;

/// <summary>Writes <see cref="CommandHelp"/> as the MAML file Get-HelpLoader reads (&lt;Assembly&gt;.dll-Help.xml).</summary>
internal static class MamlWriter
{
    private const string Msh = "http://msh";
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static void Write(string path, IEnumerable<CommandHelp> commands)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var xml = XmlWriter.Create(path, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("helpItems", Msh);
        xml.WriteAttributeString("schema", "maml");
        foreach (var command in commands) WriteCommand(xml, command);
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter xml, CommandHelp help)
    {
        xml.WriteStartElement("command", "command", Command);
        xml.WriteAttributeString("xmlns", "maml", null, Maml);
        xml.WriteAttributeString("xmlns", "command", null, Command);
        xml.WriteAttributeString("xmlns", "dev", null, Dev);

        xml.WriteStartElement("command", "details", Command);
        xml.WriteElementString("command", "name", Command, help.Name);
        xml.WriteElementString("command", "verb", Command, help.Verb);
        xml.WriteElementString("command", "noun", Command, help.Noun);
        WriteDescription(xml, [help.Synopsis]);
        xml.WriteEndElement();

        WriteDescription(xml, help.Description);
        WriteSyntax(xml, help);

        xml.WriteStartElement("command", "parameters", Command);
        foreach (var parameter in help.Parameters) WriteParameter(xml, parameter, inSyntax: false);
        xml.WriteEndElement();

        WriteTypes(xml, "inputTypes", "inputType", help.Inputs);
        WriteTypes(xml, "returnValues", "returnValue", help.Outputs);

        if (help.Notes.Count > 0)
        {
            xml.WriteStartElement("maml", "alertSet", Maml);
            xml.WriteStartElement("maml", "alert", Maml);
            WriteParas(xml, help.Notes);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteStartElement("command", "examples", Command);
        foreach (var example in help.Examples)
        {
            xml.WriteStartElement("command", "example", Command);
            xml.WriteElementString("maml", "title", Maml, $"---------- {example.Title} ----------");
            xml.WriteElementString("dev", "code", Dev, example.Code);
            xml.WriteStartElement("dev", "remarks", Dev);
            WriteParas(xml, [.. example.Remarks, string.Empty]); // the empty para keeps a blank line before the next example
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        xml.WriteEndElement();

        xml.WriteStartElement("command", "relatedLinks", Command);
        foreach (var link in help.RelatedLinks)
        {
            xml.WriteStartElement("maml", "navigationLink", Maml);
            xml.WriteElementString("maml", "linkText", Maml, link.Text);
            xml.WriteElementString("maml", "uri", Maml, link.Uri);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();

        xml.WriteEndElement();
    }

    /// <summary>One syntax item per parameter set, its parameters in the order the SYNTAX line shows them.</summary>
    private static void WriteSyntax(XmlWriter xml, CommandHelp help)
    {
        xml.WriteStartElement("command", "syntax", Command);
        foreach (var set in help.Syntax)
        {
            xml.WriteStartElement("command", "syntaxItem", Command);
            xml.WriteElementString("maml", "name", Maml, help.Name);
            var members = help.Parameters.Where(p => p.BelongsTo(set.ParameterSet) || set.ParameterSet == "__AllParameterSets")
                .OrderBy(p => OrderIn(set.Text, p.Name));
            foreach (var parameter in members) WriteParameter(xml, parameter, inSyntax: true);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    private static int OrderIn(string syntaxLine, string parameter)
    {
        var at = syntaxLine.IndexOf($"-{parameter} ", StringComparison.OrdinalIgnoreCase);
        if (at < 0) at = syntaxLine.IndexOf($"-{parameter}]", StringComparison.OrdinalIgnoreCase);
        return at < 0 ? int.MaxValue : at;
    }

    private static void WriteParameter(XmlWriter xml, ParameterHelp parameter, bool inSyntax)
    {
        xml.WriteStartElement("command", "parameter", Command);
        xml.WriteAttributeString("required", parameter.Required ? "true" : "false");
        xml.WriteAttributeString("variableLength", parameter.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        xml.WriteAttributeString("globbing", parameter.Globbing ? "true" : "false");
        xml.WriteAttributeString("pipelineInput", parameter.PipelineInput);
        xml.WriteAttributeString("position", parameter.Position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : parameter.Position);
        xml.WriteAttributeString("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases));
        xml.WriteElementString("maml", "name", Maml, parameter.Name);
        WriteDescription(xml, parameter.Description);
        if (inSyntax && parameter.AcceptedValues.Count > 0)
        {
            xml.WriteStartElement("command", "parameterValueGroup", Command);
            foreach (var value in parameter.AcceptedValues) WriteParameterValue(xml, value, required: false);
            xml.WriteEndElement();
        }
        else if (!parameter.IsSwitch || !inSyntax)
        {
            WriteParameterValue(xml, parameter.Type, required: !parameter.IsSwitch);
        }
        xml.WriteStartElement("dev", "type", Dev);
        xml.WriteElementString("maml", "name", Maml, parameter.Type);
        xml.WriteElementString("maml", "uri", Maml, string.Empty);
        xml.WriteEndElement();
        xml.WriteElementString("dev", "defaultValue", Dev, parameter.DefaultValue);
        xml.WriteEndElement();
    }

    private static void WriteParameterValue(XmlWriter xml, string value, bool required)
    {
        xml.WriteStartElement("command", "parameterValue", Command);
        xml.WriteAttributeString("required", required ? "true" : "false");
        xml.WriteAttributeString("variableLength", "false");
        xml.WriteString(value);
        xml.WriteEndElement();
    }

    private static void WriteTypes(XmlWriter xml, string list, string item, IReadOnlyList<TypeHelp> types)
    {
        xml.WriteStartElement("command", list, Command);
        foreach (var type in types)
        {
            xml.WriteStartElement("command", item, Command);
            xml.WriteStartElement("dev", "type", Dev);
            xml.WriteElementString("maml", "name", Maml, type.TypeName);
            xml.WriteEndElement();
            WriteDescription(xml, type.Description);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    private static void WriteDescription(XmlWriter xml, IReadOnlyList<string> paragraphs)
    {
        xml.WriteStartElement("maml", "description", Maml);
        WriteParas(xml, paragraphs);
        xml.WriteEndElement();
    }

    private static void WriteParas(XmlWriter xml, IReadOnlyList<string> paragraphs)
    {
        foreach (var paragraph in paragraphs) xml.WriteElementString("maml", "para", Maml, paragraph);
    }
}
