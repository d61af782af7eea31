using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// The one PowerShell host of the in-process tests: it keeps what commands write to the user
/// interface rather than to a stream (-WhatIf's "What if: …" lines, the note a stopped command
/// leaves, warnings written to the host) and answers -Confirm's question with the choice whose
/// label it was given ("Yes", "No"), keeping the question. Without an answer it never prompts:
/// a question is then a test failure.
/// </summary>
public sealed class CapturingHost(string? confirmAnswer = null) : PSHost
{
    private readonly CapturingUserInterface _ui = new(confirmAnswer);

    /// <summary>Lines written with Write / WriteLine (a Write without a line end joins the next line), and error lines.</summary>
    public IReadOnlyList<string> Lines => _ui.Lines.ToList();

    /// <summary>Lines written as warnings directly to the host.</summary>
    public IReadOnlyList<string> Warnings => _ui.Warnings.ToList();

    /// <summary>The questions asked (caption: message).</summary>
    public IReadOnlyList<string> Questions => _ui.Questions.ToList();

    public override string Name => "MaasImagesTestHost";
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

    private sealed class CapturingUserInterface(string? confirmAnswer) : PSHostUserInterface
    {
        private readonly object _writing = new();
        private string _pending = string.Empty;
        public ConcurrentQueue<string> Lines { get; } = new();
        public ConcurrentQueue<string> Warnings { get; } = new();
        public ConcurrentQueue<string> Questions { get; } = new();

        public override PSHostRawUserInterface? RawUI => null;

        public override void Write(string value)
        {
            lock (_writing) _pending += value;
        }

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value)
        {
            lock (_writing)
            {
                foreach (var line in (_pending + value).Split('\n')) Lines.Enqueue(line.TrimEnd('\r'));
                _pending = string.Empty;
            }
        }

        public override void WriteErrorLine(string value) => Lines.Enqueue(value);
        public override void WriteWarningLine(string message) => Warnings.Enqueue(message);
        public override void WriteDebugLine(string message) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Questions.Enqueue($"{caption}: {message}");
            if (confirmAnswer is null) throw new NotSupportedException($"Unexpected question: {caption}: {message}");
            for (var i = 0; i < choices.Count; i++)
                if (string.Equals(choices[i].Label.Replace("&", "", StringComparison.Ordinal), confirmAnswer, StringComparison.OrdinalIgnoreCase)) return i;
            throw new InvalidOperationException($"No choice '{confirmAnswer}' in: {string.Join(", ", choices.Select(c => c.Label))}");
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException("The test host answers only -Confirm.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("The test host answers only -Confirm.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("The test host answers only -Confirm.");

        public override string ReadLine() => throw new NotSupportedException("The test host answers only -Confirm.");
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("The test host answers only -Confirm.");
    }
}
