using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Transfer;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// Engine errors become ErrorRecords whose id is the engine's stable error id; the message gains
/// the parameter that helps (<see cref="ParameterHints"/>).
/// </summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(MaasImagesException error)
    {
        var record = new ErrorRecord(error, error.ErrorId, Category(error.Kind), error.Target);
        // In the message itself (not only RecommendedAction, which the views print as a second copy), so logs keep it.
        if ((WayForward(error) ?? ParameterHints.For(error)) is { } action) record.ErrorDetails = new ErrorDetails($"{error.Message} {action}");
        return record;
    }

    /// <summary>What to do next, in terms of the cmdlets' parameters (the engine's messages do not know them).</summary>
    private static string? WayForward(MaasImagesException error) => FailureOf(error) switch
    {
        ConnectionFailure.NameNotResolved =>
            "Ways forward: read a mirror or a local copy of the stream with -Source <URL or folder>, or go through a proxy by setting HTTPS_PROXY (e.g. http://proxy.example:3128).",
        _ => null,
    };

    /// <summary>Why reading a stream or fetching a file failed to connect; an image not saved says it through its cause.</summary>
    private static ConnectionFailure FailureOf(Exception error) => error switch
    {
        SourceUnreachableException unreachable => unreachable.Failure,
        DownloadFailedException download => download.Failure,
        ItemNotSavedException { InnerException: { } cause } => FailureOf(cause),
        _ => ConnectionFailure.Other,
    };

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target) =>
        new(new MaasImagesException(errorId, MaasErrorKind.InvalidArgument, message, target), errorId, category, target);

    private static ErrorCategory Category(MaasErrorKind kind) => kind switch
    {
        MaasErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        MaasErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        MaasErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        MaasErrorKind.InvalidData => ErrorCategory.InvalidData,
        MaasErrorKind.SecurityError => ErrorCategory.SecurityError,
        MaasErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        MaasErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        MaasErrorKind.WriteError => ErrorCategory.WriteError,
        MaasErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        _ => ErrorCategory.NotSpecified,
    };
}
