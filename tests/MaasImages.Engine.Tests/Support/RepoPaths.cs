namespace MaasImages.Engine.Tests.Support;

/// <summary>Where the repository, the sample stream and the shared real fixtures are.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string SampleStream => Path.Combine(Root, "samples", "stream");

    /// <summary>../shared/fixtures/real beside the repository (MAASIMAGES_REAL_FIXTURES overrides).</summary>
    public static string RealFixtures =>
        Environment.GetEnvironmentVariable("MAASIMAGES_REAL_FIXTURES") is { Length: > 0 } custom
            ? custom
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures", "real"));

    /// <summary>The C# sources under <paramref name="folder"/>, the build output (obj/, bin/) left out.</summary>
    public static IEnumerable<string> SourceFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MaasImages.PowerShell.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (MaasImages.PowerShell.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A test that needs the real upstream fixtures; skipped, with the reason shown, when they are absent.</summary>
public sealed class RealFixtureFactAttribute : FactAttribute
{
    public RealFixtureFactAttribute()
    {
        if (!Directory.Exists(RepoPaths.RealFixtures))
            Skip = $"Real fixtures not found at {RepoPaths.RealFixtures} (set MAASIMAGES_REAL_FIXTURES): skipped.";
    }
}

/// <summary>A theory over the real upstream fixtures; skipped, with the reason shown, when they are absent.</summary>
public sealed class RealFixtureTheoryAttribute : TheoryAttribute
{
    public RealFixtureTheoryAttribute()
    {
        if (!Directory.Exists(RepoPaths.RealFixtures))
            Skip = $"Real fixtures not found at {RepoPaths.RealFixtures} (set MAASIMAGES_REAL_FIXTURES): skipped.";
    }
}
