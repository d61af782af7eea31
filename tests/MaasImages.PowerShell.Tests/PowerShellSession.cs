using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// An in-process PowerShell runspace with the module imported from the test output folder, and
/// <c>$keyring</c> set to the sample stream's key for scripts to pass as <c>-Keyring</c>.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    /// <param name="host">A host for what commands write to the user interface (e.g. <see cref="CapturingHost"/>); default: none.</param>
    public PowerShellSession(System.Management.Automation.Host.PSHost? host = null)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(Path.Combine(AppContext.BaseDirectory, "MaasImages.psd1"));
        _runspace = host is null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
        _runspace.Open();
        _runspace.SessionStateProxy.SetVariable("keyring", SampleKeyring.PublicKey);
    }

    public static string RepoRoot { get; } = FindRoot();
    public static string SampleStream => Path.Combine(RepoRoot, "samples", "stream");

    /// <summary>Runs a script; returns its output, and the error/warning/verbose streams.</summary>
    public Result Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var ps = Create(script, variables);
        var output = ps.Invoke();
        return new Result(output, ps.Streams.Error.ToList(), ps.Streams.Warning.Select(w => w.Message).ToList(),
            ps.Streams.Verbose.Select(v => v.Message).ToList());
    }

    public System.Management.Automation.PowerShell Create(string script, IDictionary<string, object?>? variables = null)
    {
        var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
            _runspace.SessionStateProxy.SetVariable(name, value);
        ps.AddScript(script);
        return ps;
    }

    public void Dispose() => _runspace.Dispose();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MaasImages.PowerShell.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    public sealed record Result(Collection<PSObject> Output, List<ErrorRecord> Errors, List<string> Warnings, List<string> Verbose)
    {
        public T[] Objects<T>() => Output.Select(o => (T)o.BaseObject).ToArray();
    }
}
