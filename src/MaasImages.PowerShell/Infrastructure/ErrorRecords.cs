using System.Management.Automation;
using MaasImages.Engine.Errors;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>Engine errors become ErrorRecords whose id is the engine's stable error id.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(MaasImagesException error) =>
        new(error, error.ErrorId, Category(error.Kind), error.Target);

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
