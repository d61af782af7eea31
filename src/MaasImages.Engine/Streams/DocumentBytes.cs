namespace MaasImages.Engine.Streams;

/// <summary>
/// A metadata document exactly as it was read and checked (and its detached signature, when that
/// was the form checked). A mirror writes these bytes — never a second, unverified fetch — and
/// rollback protection compares <see cref="Updated"/>.
/// </summary>
internal sealed record DocumentBytes(string Path, byte[] Raw, byte[]? DetachedSignature, string? ContentId, string? UpdatedText)
{
    public DateTimeOffset? Updated => StreamIndexParser.ParseUpdated(UpdatedText);

    public static DocumentBytes Of(CheckedDocument read) =>
        new(read.Document.Name, read.Document.Raw, read.DetachedSignature, read.Document.TopString("content_id"), read.Document.TopString("updated"));
}
