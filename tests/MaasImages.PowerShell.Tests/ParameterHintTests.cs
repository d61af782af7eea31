using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// The engine's errors name no parameter; the cmdlet layer adds the one that helps, from the
/// error's Remedy, to the message the user reads (and logs keep).
/// </summary>
public sealed class ParameterHintTests : IDisposable
{
    private readonly PowerShellSession _session = new();
    private readonly string _unsigned = Path.Combine(Path.GetTempPath(), "maasimages-hint-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _session.Dispose();
        if (Directory.Exists(_unsigned)) Directory.Delete(_unsigned, recursive: true);
    }

    [Fact]
    public void An_unsigned_stream_error_tells_the_user_about_SkipSignatureCheck()
    {
        // The sample stream without any signature: its .json documents only.
        var v1 = Path.Combine(_unsigned, "streams", "v1");
        Directory.CreateDirectory(v1);
        foreach (var file in Directory.GetFiles(Path.Combine(PowerShellSession.SampleStream, "streams", "v1"), "*.json"))
            File.Copy(file, Path.Combine(v1, Path.GetFileName(file)));

        var result = _session.Run("Get-MaasStream -Source $unsigned", new Dictionary<string, object?> { ["unsigned"] = _unsigned });
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("UnsignedStream,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.DoesNotContain("-SkipSignatureCheck", error.Exception.Message, StringComparison.Ordinal);
        Assert.EndsWith("Pass -SkipSignatureCheck to read it unverified.", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_remedy_the_engine_gives_has_words_in_the_cmdlet_layer()
    {
        foreach (var remedy in Enum.GetValues<MaasRemedy>().Where(r => r != MaasRemedy.None))
        {
            var hint = ParameterHints.For(new MaasImagesException("AnyError", MaasErrorKind.InvalidArgument, "Something failed.", remedy: remedy));
            Assert.False(string.IsNullOrEmpty(hint), $"{remedy} has no hint");
            Assert.Matches(@"(^|\s)-[A-Z]", hint);
        }
        Assert.Null(ParameterHints.For(new MaasImagesException("AnyError", MaasErrorKind.InvalidArgument, "Something failed.")));
    }

    [Fact]
    public void A_record_without_a_remedy_keeps_the_engine_message_as_it_is()
    {
        var record = ErrorRecords.From(new MaasImagesException("AnyError", MaasErrorKind.InvalidArgument, "Something failed."));
        Assert.Null(record.ErrorDetails);
        Assert.Equal("Something failed.", record.ToString());
    }
}
