using System.Text.RegularExpressions;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Architecture;

/// <summary>
/// The cmdlets (src/MaasImages.PowerShell/Commands) touch no file system themselves: what is on
/// disk is the engine's to read and check (with its stable error ids), and turning a PowerShell path
/// into a file-system path is Infrastructure's (DestinationPaths, SourceArguments, ManifestInputs).
/// Read from the code of every command source, comments and string texts left out.
/// </summary>
public sealed partial class CommandLayerTests
{
    /// <summary>System.IO types a command could reach the disk with.</summary>
    private static readonly HashSet<string> FileSystemTypes = new(StringComparer.Ordinal)
    {
        "File", "Directory", "FileInfo", "DirectoryInfo", "FileSystemInfo", "FileStream", "DriveInfo", "StreamReader", "StreamWriter",
        "FileSystemWatcher", "RandomAccess", "FileSystemEnumerable", "BinaryReader", "BinaryWriter",
    };

    /// <summary>PowerShell's own path resolution: Infrastructure's, so every command resolves the same way.</summary>
    private static readonly HashSet<string> PathResolution = new(StringComparer.Ordinal)
    {
        "GetUnresolvedProviderPathFromPSPath", "GetResolvedProviderPathFromPSPath", "GetResolvedPSPathFromPSPath",
    };

    /// <summary>System.IO.Path's methods (a command's own -Path property is a string, so Path.X is always System.IO.Path).</summary>
    private static readonly HashSet<string> PathMethods = typeof(Path).GetMethods().Where(m => m.IsStatic).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);

    private static string CommandsRoot => Path.Combine(RepoPaths.Root, "src", "MaasImages.PowerShell", "Commands");

    /// <summary>What in one source reaches the file system or resolves a path itself.</summary>
    private static List<string> Violations(CSharpSource source)
    {
        var found = new List<string>();
        if (SystemIo().IsMatch(source.Code)) found.Add("System.IO");
        foreach (Match use in MemberUse().Matches(source.Code))
        {
            var (type, member) = (use.Groups["type"].Value, use.Groups["member"].Value);
            if (FileSystemTypes.Contains(type)) found.Add($"{type}.{member}");
            else if (type == "Path" && !use.Groups["dot"].Success && PathMethods.Contains(member)) found.Add($"Path.{member}");
        }
        found.AddRange(Construction().Matches(source.Code).Select(m => m.Groups["type"].Value).Where(FileSystemTypes.Contains).Select(t => $"new {t}"));
        found.AddRange(source.Identifiers().Where(PathResolution.Contains));
        return found;
    }

    [Fact]
    public void No_command_touches_the_file_system_itself()
    {
        var files = RepoPaths.SourceFiles(CommandsRoot).ToList();
        Assert.True(files.Count >= 14, $"only {files.Count} command sources found under {CommandsRoot}");
        var problems = files.Select(CSharpSource.Read)
            .SelectMany(f => Violations(f).Distinct().Select(v => $"{Path.GetRelativePath(CommandsRoot, f.Path)}: {v}"))
            .ToList();
        Assert.True(problems.Count == 0,
            "Commands reaching the disk or resolving paths themselves (move it into the engine, or use Infrastructure's DestinationPaths / SourceArguments):\n"
            + string.Join("\n", problems));
    }

    [Theory]
    [InlineData("if (!Directory.Exists(root)) return;", "Directory.Exists")]
    [InlineData("var info = new FileInfo(path);", "new FileInfo")]
    [InlineData("var all = System.IO.File.ReadAllText(p);", "System.IO")]
    [InlineData("var full = Path.GetFullPath(p);", "Path.GetFullPath")]
    [InlineData("if (Path.Exists(p)) return;", "Path.Exists")]
    [InlineData("var p = SessionState.Path.GetUnresolvedProviderPathFromPSPath(x);", "GetUnresolvedProviderPathFromPSPath")]
    public void The_check_finds_each_kind_of_file_system_use(string code, string expected)
    {
        Assert.Contains(expected, Violations(CSharpSource.Parse(code)));
    }

    [Theory]
    [InlineData("var folder = DestinationPaths.Resolve(this, Path, LiteralPath);")]
    [InlineData("// Directory.Exists is the engine's\nvar x = \"File.Exists\";")]
    [InlineData("var name = Path?.Length; var s = Source.Trim();")]
    [InlineData("foreach (var snapshot in BootSnapshots.ListExisting(root)) Emit(snapshot);")]
    public void The_check_lets_infrastructure_calls_comments_and_texts_pass(string code)
    {
        Assert.Empty(Violations(CSharpSource.Parse(code)));
    }

    [GeneratedRegex(@"\bSystem\s*\.\s*IO\b")]
    private static partial Regex SystemIo();

    /// <summary>Type.Member (the member looked ahead, so a.B.C yields B and C too), with the dot before the type when there is one (SessionState.Path.X is not System.IO.Path).</summary>
    [GeneratedRegex(@"(?<dot>\.\s*)?\b(?<type>[A-Z]\w*)(?=\s*\.\s*(?<member>[A-Z]\w*))")]
    private static partial Regex MemberUse();

    [GeneratedRegex(@"\bnew\s+(?:System\s*\.\s*IO\s*\.\s*)?(?<type>[A-Z]\w*)\s*\(")]
    private static partial Regex Construction();
}
