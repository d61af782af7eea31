// Standalone host for out-of-process tests (Pester):
//   dotnet MaasImages.TestServer.dll --root <folder> [--port N] [--quiet] [--ignore-stdin]
// Prints "Listening on http://127.0.0.1:PORT/" as the first stdout line, one line per request to stderr
// (unless --quiet), and runs until stdin reaches EOF (so it dies with the test that owns the pipe),
// Ctrl+C or SIGTERM. --ignore-stdin is for launchers that give it no stdin (e.g. /dev/null).
using System.Globalization;
using System.Runtime.InteropServices;
using MaasImages.TestServer;

string? root = null;
int port = 0;
bool quiet = false;
bool watchStdin = true;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--root" when i + 1 < args.Length:
            root = args[++i];
            break;
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out port):
            i++;
            break;
        case "--quiet":
            quiet = true;
            break;
        case "--ignore-stdin":
            watchStdin = false;
            break;
        default:
            return Usage($"unexpected argument '{args[i]}'");
    }
}

if (root is null || !Directory.Exists(root))
{
    return Usage(root is null ? "--root is required" : $"folder not found: {root}");
}

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void Stop(PosixSignalContext signal)
{
    signal.Cancel = true; // Shut down cleanly below instead of being killed.
    stop.TrySetResult();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

Action<RequestRecord>? log = quiet ? null : r => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{r.Method} {r.Path}{(r.Range is null ? "" : " " + r.Range)} -> {r.Status} {r.BytesSent} bytes{(r.Fault is null ? "" : " [" + r.Fault + "]")}"));
await using var server = await StreamServer.StartAsync(root, port, log, CancellationToken.None);
Console.Out.WriteLine($"Listening on {server.BaseUri}");
Console.Out.Flush();

if (watchStdin)
{
    _ = Task.Run(async () =>
    {
        await using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (await stdin.ReadAsync(buffer) > 0)
        {
        }

        stop.TrySetResult();
    });
}

await stop.Task;
return 0;

static int Usage(string problem)
{
    Console.Error.WriteLine($"MaasImages.TestServer: {problem}");
    Console.Error.WriteLine("usage: dotnet MaasImages.TestServer.dll --root <folder> [--port N] [--quiet] [--ignore-stdin]");
    return 2;
}
