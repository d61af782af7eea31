using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// A PowerShell host that keeps what is written to its user interface: the -WhatIf lines and the
/// notes a stopped command leaves, which go to the host rather than to a stream. Never prompts.
/// </summary>
public sealed class CapturingHost : PSHost
{
    private readonly CapturingUserInterface _ui = new();

    /// <summary>Lines written with WriteLine / Write (-WhatIf's "What if: …" among them).</summary>
    public IReadOnlyList<string> Lines => _ui.Lines.ToList();
    /// <summary>Lines written as warnings directly to the host.</summary>
    public IReadOnlyList<string> Warnings => _ui.Warnings.ToList();

    public override string Name => "CapturingHost";
    public override Version Version { get; } = new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }

    private sealed class CapturingUserInterface : PSHostUserInterface
    {
        private string _pending = string.Empty;
        public ConcurrentQueue<string> Lines { get; } = new();
        public ConcurrentQueue<string> Warnings { get; } = new();

        public override PSHostRawUserInterface? RawUI => null;
        public override void Write(string value) => _pending += value;
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
        public override void WriteLine(string value)
        {
            foreach (var line in (_pending + value).Split('\n')) Lines.Enqueue(line.TrimEnd('\r'));
            _pending = string.Empty;
        }
        public override void WriteErrorLine(string value) => Lines.Enqueue(value);
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) => Warnings.Enqueue(message);
        public override string ReadLine() => throw new NotSupportedException();
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) =>
            throw new NotSupportedException();
    }
}
