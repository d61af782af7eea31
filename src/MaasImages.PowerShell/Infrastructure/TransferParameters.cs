using System.Management.Automation;
using MaasImages.Engine.Transfer;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// The one home of the transfer parameters Save-MaasImage and Install-MaasBootloader share
/// (-MaximumRetryCount, -RetryIntervalSec, -StallTimeoutSec, -LockTimeoutSec, -Proxy,
/// -ProxyCredential; New-MaasBootLink takes -LockTimeoutSec): their defaults and how they become
/// engine options. The cmdlets have different bases, so each declares the parameters with these
/// defaults (a test checks they agree).
/// </summary>
internal static class TransferParameters
{
    public const int DefaultMaximumRetryCount = 5;
    public const int DefaultRetryIntervalSec = 1;
    public const int DefaultStallTimeoutSec = 60;
    public const int DefaultLockTimeoutSec = 60;

    public static TransferOptions Options(int throttleLimit, int maximumRetryCount, int retryIntervalSec, int stallTimeoutSec, bool force,
        Uri? proxy, PSCredential? proxyCredential) => new()
    {
        ThrottleLimit = throttleLimit,
        MaxAttempts = maximumRetryCount + 1,
        RetryBaseDelay = TimeSpan.FromSeconds(retryIntervalSec),
        StallTimeout = TimeSpan.FromSeconds(stallTimeoutSec),
        Force = force,
        Client = HttpClientProvider.ForProxy(proxy, proxyCredential?.GetNetworkCredential()),
    };
}
