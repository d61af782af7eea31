using System.Text.RegularExpressions;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Architecture;

/// <summary>
/// The one-way flow of design.md, read from the engine's sources: Streams (what upstream offers)
/// and Transfer (bytes, verified) → Layout (trees on disk) → Inventory / Publishing / Manifests;
/// Security, Platform, Errors, Http and Formatting are used by all and reach up into nothing. A
/// folder that names a type (or the namespace) of a folder it may not use fails here, with the
/// file and the names.
/// </summary>
public sealed partial class LayerTests
{
    private static readonly string[] Base = ["Errors", "Formatting", "Http", "Platform", "Security"];

    /// <summary>Each top-level folder of the engine and the folders it may use besides itself.</summary>
    private static readonly Dictionary<string, string[]> MayUse = new(StringComparer.Ordinal)
    {
        ["Formatting"] = [],
        ["Http"] = [],
        ["Errors"] = ["Formatting"],
        ["Platform"] = ["Errors", "Formatting"],
        ["Security"] = ["Errors", "Formatting", "Platform"],
        ["Streams"] = Base,
        ["Transfer"] = Base,
        ["Layout"] = [.. Base, "Streams", "Transfer"],
        ["Inventory"] = [.. Base, "Streams", "Transfer", "Layout"],
        ["Publishing"] = [.. Base, "Streams", "Transfer", "Layout"],
        ["Manifests"] = [.. Base, "Streams", "Transfer", "Layout", "Inventory"],
    };

    private static string EngineRoot => Path.Combine(RepoPaths.Root, "src", "MaasImages.Engine");

    private static Dictionary<string, List<CSharpSource>> SourcesByFolder() =>
        RepoPaths.SourceFiles(EngineRoot)
            .GroupBy(p => Path.GetRelativePath(EngineRoot, p).Split(Path.DirectorySeparatorChar)[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(CSharpSource.Read).ToList(), StringComparer.Ordinal);

    [Fact]
    public void Every_engine_folder_has_a_place_in_the_flow()
    {
        var folders = SourcesByFolder().Keys.Where(k => !k.EndsWith(".cs", StringComparison.Ordinal)).ToList();
        Assert.Contains("Streams", folders);
        Assert.All(folders, f => Assert.True(MayUse.ContainsKey(f), $"{f}/ has no place in the flow"));
        Assert.DoesNotContain(SourcesByFolder().Keys, k => k.EndsWith(".cs", StringComparison.Ordinal)); // no file outside a layer
    }

    [Fact]
    public void No_folder_reaches_a_folder_it_may_not_use()
    {
        var sources = SourcesByFolder();
        // Which folder declares each type name (names are unique across the engine; checked below).
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (folder, files) in sources)
            foreach (var type in files.SelectMany(f => f.DeclaredTypes()))
                owner.TryAdd(type, folder);

        var problems = new List<string>();
        foreach (var (folder, files) in sources)
        {
            if (!MayUse.TryGetValue(folder, out var allowed)) continue; // reported by the test above
            foreach (var file in files)
            {
                var used = NamesUsed(file.Code)
                    .Select(name => (name, folder: owner.GetValueOrDefault(name)))
                    .Concat(Namespaces().Matches(file.Code).Select(m => (name: m.Value, folder: (string?)m.Groups["folder"].Value)))
                    .Where(u => u.folder is not null && u.folder != folder && !allowed.Contains(u.folder))
                    .ToList();
                foreach (var group in used.GroupBy(u => u.folder))
                {
                    problems.Add($"{Path.GetRelativePath(EngineRoot, file.Path)} ({folder}) uses {group.Key}: " +
                                 string.Join(", ", group.Select(u => u.name).Distinct().Order(StringComparer.Ordinal)));
                }
            }
        }
        Assert.True(problems.Count == 0, "Against the one-way flow of design.md:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Streams_and_Transfer_do_not_know_each_other()
    {
        var sources = SourcesByFolder();
        Assert.DoesNotContain("Transfer", MayUse["Streams"]);
        Assert.DoesNotContain("Streams", MayUse["Transfer"]);
        // The two things both need live below both of them.
        Assert.Contains(sources["Http"], f => f.DeclaredTypes().Contains("HttpClientProvider"));
        Assert.Contains(sources["Formatting"], f => f.DeclaredTypes().Contains("ByteSize"));
    }

    [Fact]
    public void The_reader_sees_through_comments_and_strings_but_not_interpolation_holes()
    {
        var source = CSharpSource.Parse("""
            // Transfer.HttpClientProvider in a comment
            var a = "Streams.ByteSize in text";
            var b = $"size {Formatting.ByteSize.Format(n):N0} of {(x ? "y" : "z")}";
            var c = @"a ""quoted"" {not a hole}";
            char d = '"';
            """);
        var names = NamesUsed(source.Code);
        Assert.Contains("ByteSize", names);
        Assert.DoesNotContain("HttpClientProvider", names);
        Assert.Equal(["Streams.ByteSize in text", "y", "z", "size {…} of {…}", "a \"quoted\" {not a hole}"], source.Strings);
    }

    [Fact]
    public void Type_names_are_unique_across_engine_folders()
    {
        var duplicates = SourcesByFolder()
            .SelectMany(p => p.Value.SelectMany(f => f.DeclaredTypes()).Distinct().Select(t => (type: t, folder: p.Key)))
            .GroupBy(x => x.type)
            .Where(g => g.Select(x => x.folder).Distinct().Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.folder).Distinct())}");
        Assert.Empty(duplicates);
    }

    /// <summary>
    /// Type names the code uses: a bare name, or one qualified by an engine folder (Streams.ByteSize);
    /// not a member access (store.Location is a property, whatever types are called).
    /// </summary>
    private static HashSet<string> NamesUsed(string code)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Word().Matches(code))
        {
            if (!char.IsUpper(m.Value[0])) continue;
            var before = m.Index - 1;
            while (before >= 0 && char.IsWhiteSpace(code[before])) before--;
            if (before >= 0 && code[before] == '.')
            {
                var end = before - 1;
                while (end >= 0 && char.IsWhiteSpace(code[end])) end--;
                var start = end;
                while (start >= 0 && (char.IsLetterOrDigit(code[start]) || code[start] == '_')) start--;
                var qualifier = code[(start + 1)..(end + 1)];
                if (qualifier != "Engine" && !MayUse.ContainsKey(qualifier)) continue;
            }
            names.Add(m.Value);
        }
        return names;
    }

    [GeneratedRegex(@"\b[A-Za-z_]\w*\b")]
    private static partial Regex Word();

    [GeneratedRegex(@"\bMaasImages\.Engine\.(?<folder>[A-Z]\w*)")]
    private static partial Regex Namespaces();
}
