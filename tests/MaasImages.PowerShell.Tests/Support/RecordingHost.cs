using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace MaasImages.PowerShell.Tests.Support;

/// <summary>
/// A PowerShell host that records what is written to it (-WhatIf's "What if:" lines go to the
/// host, not to a stream) and answers -Confirm's question with the choice whose label it is given
/// ("Yes", "No"), recording the question.
/// </summary>
public sealed class RecordingHost(string confirmAnswer = "No") : PSHost
{
    private readonly RecordingUserInterface _ui = new(confirmAnswer);

    /// <summary>Lines written to the host.</summary>
    public IReadOnlyList<string> Lines => _ui.Lines;

    /// <summary>The questions asked (caption and message).</summary>
    public IReadOnlyList<string> Questions => _ui.Questions;

    public override string Name => "MaasImagesTestHost";
    public override Version Version { get; } = new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override void SetShouldExit(int exitCode)
    {
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    private sealed class RecordingUserInterface(string confirmAnswer) : PSHostUserInterface
    {
        private readonly List<string> _lines = [];
        private readonly List<string> _questions = [];

        public IReadOnlyList<string> Lines
        {
            get { lock (_lines) return _lines.ToList(); }
        }

        public IReadOnlyList<string> Questions
        {
            get { lock (_questions) return _questions.ToList(); }
        }

        public override PSHostRawUserInterface? RawUI => null;

        private void Record(string text)
        {
            lock (_lines) _lines.Add(text);
        }

        public override void Write(string value) => Record(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Record(value);
        public override void WriteLine(string value) => Record(value);
        public override void WriteErrorLine(string value) => Record(value);
        public override void WriteDebugLine(string message) => Record(message);
        public override void WriteVerboseLine(string message) => Record(message);
        public override void WriteWarningLine(string message) => Record(message);

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            lock (_questions) _questions.Add($"{caption}: {message}");
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
