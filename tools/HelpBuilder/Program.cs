using MaasImages.HelpBuilder;

// HelpBuilder <docs folder> <output folder>
// Reads docs/en-US/*.md (platyPS style) and writes, into the output folder, the MAML help of every
// cmdlet page (into the 'external help file' its front matter names) and every about_*.help.md as about_*.help.txt.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: HelpBuilder <docs folder, e.g. docs/en-US> <output folder, e.g. out/MaasImages/en-US>");
    return 2;
}
var docs = Path.GetFullPath(args[0]);
var output = Path.GetFullPath(args[1]);
if (!Directory.Exists(docs))
{
    Console.Error.WriteLine($"HelpBuilder: the docs folder '{docs}' does not exist.");
    return 2;
}

try
{
    Directory.CreateDirectory(output);
    var pages = Directory.GetFiles(docs, "*.md").Order(StringComparer.Ordinal).ToList();
    var abouts = pages.Where(IsAboutTopic).ToList();
    var commands = pages.Except(abouts).Select(CommandPageReader.Read).ToList();
    if (commands.Count == 0) throw new HelpFormatException($"No cmdlet page (Verb-Noun.md) in '{docs}'.");

    foreach (var helpFile in commands.GroupBy(c => c.HelpFile, StringComparer.OrdinalIgnoreCase))
    {
        var maml = Path.Combine(output, helpFile.Key);
        MamlWriter.Write(maml, helpFile);
        Console.WriteLine($"HelpBuilder: {helpFile.Count()} cmdlet(s) -> {maml}");
    }
    foreach (var about in abouts)
    {
        var target = Path.Combine(output, HelpFiles.AboutTextName(about));
        File.WriteAllText(target, AboutTopicWriter.Render(about));
        Console.WriteLine($"HelpBuilder: {Path.GetFileName(about)} -> {target}");
    }
    return 0;
}
catch (HelpFormatException error)
{
    Console.Error.WriteLine($"HelpBuilder: {error.Message}");
    return 1;
}

static bool IsAboutTopic(string path) => Path.GetFileName(path).StartsWith("about_", StringComparison.OrdinalIgnoreCase);
