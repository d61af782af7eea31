namespace MaasImages.HelpBuilder;

/// <summary>
/// The names PowerShell looks for in a module's &lt;culture&gt; folder. Cmdlet help goes to the file each
/// page names in its front matter (binary cmdlets look for "&lt;assembly file name&gt;-Help.xml").
/// </summary>
internal static class HelpFiles
{
    /// <summary>about_X.help.md → about_X.help.txt (about_X.md → about_X.help.txt).</summary>
    public static string AboutTextName(string markdownPath)
    {
        var name = Path.GetFileNameWithoutExtension(markdownPath);
        if (name.EndsWith(".help", StringComparison.OrdinalIgnoreCase)) name = name[..^".help".Length];
        return name + ".help.txt";
    }
}
