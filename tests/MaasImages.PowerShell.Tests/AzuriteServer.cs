using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Azurite's blob service (Microsoft's Azure Storage emulator, installed by build.ps1 -Task Test
/// from tests/Azurite/package-lock.json into out/azurite) on 127.0.0.1 with a port it picks
/// (--blobPort 0) and a temp folder, for the life of one test class.
/// </summary>
public sealed partial class AzuriteServer : IAsyncLifetime
{
    /// <summary>The well-known development account every Azurite has.</summary>
    public const string Account = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _workspace = Path.Combine(Path.GetTempPath(), "maasimages-azurite-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    public static string MainScript => Path.Combine(PowerShellSession.RepoRoot, "out", "azurite", "node_modules", "azurite", "dist", "src", "blob", "main.js");

    /// <summary>Why Azurite tests cannot run here, or null when they can.</summary>
    public static string? Unavailable { get; } = FindUnavailable();

    /// <summary>http://127.0.0.1:port/devstoreaccount1</summary>
    public Uri AccountUri { get; private set; } = null!;

    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint={AccountUri.AbsoluteUri};";

    public Uri ContainerUri(string container, string prefix = "") => new($"{AccountUri.AbsoluteUri}/{container}{(prefix.Length > 0 ? "/" + prefix : "")}");

    public async Task InitializeAsync()
    {
        if (Unavailable is not null) return;
        Directory.CreateDirectory(_workspace);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { MainScript, "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", _workspace, "--skipApiVersionCheck", "--disableTelemetry", "--loose" })
            start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        _ = _process.StandardError.ReadToEndAsync();
        // Azurite prints the port it was given; waits for that line, not for a time (the deadline only turns a hang into a failure).
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (await _process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                AccountUri = new Uri(match.Groups[1].Value + "/" + Account);
                _ = DrainAsync(_process.StandardOutput);
                return;
            }
        }
        throw new InvalidOperationException($"Azurite exited (code {(_process.HasExited ? _process.ExitCode : -1)}) before listening.");
    }

    private static async Task DrainAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is not null)
        {
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit();
        _process?.Dispose();
        if (Directory.Exists(_workspace)) Directory.Delete(_workspace, recursive: true);
        return Task.CompletedTask;
    }

    private static string? FindUnavailable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator).Any(folder => folder.Length > 0 && File.Exists(Path.Combine(folder, "node"))))
            return "node is not installed: the Azure Blob publishing tests (Azurite) are skipped.";
        if (!File.Exists(MainScript))
            return $"Azurite is not installed at {MainScript}: run ./build.ps1 -Task Test (it runs npm ci from tests/Azurite). Skipped.";
        return null;
    }

    [GeneratedRegex(@"listens on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}

/// <summary>A test against Azurite; skipped, with the reason shown, where node or Azurite is missing.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (AzuriteServer.Unavailable is { } reason) Skip = reason;
    }
}
