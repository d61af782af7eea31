namespace MaasImages.HelpBuilder;

/// <summary>A help page that does not follow the expected layout; the message names the file and what is wrong.</summary>
internal sealed class HelpFormatException : Exception
{
    public HelpFormatException() { }

    public HelpFormatException(string message) : base(message) { }

    public HelpFormatException(string message, Exception inner) : base(message, inner) { }

    public static HelpFormatException In(string file, string problem) => new($"{Path.GetFileName(file)}: {problem}");
}
