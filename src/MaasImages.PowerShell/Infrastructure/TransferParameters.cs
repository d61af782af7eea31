using System.Management.Automation;
using MaasImages.Engine.Transfer;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>How the shared transfer parameters (<see cref="SharedParameters"/>) become engine options.</summary>
internal static class TransferParameters
{
    /// <summary>Save-MaasImage's and Install-MaasBootloader's downloads: -ThrottleLimit, retries, stall timeout, -Force, -Proxy.</summary>
    public static TransferOptions Options(SharedParameterValues shared) => new()
    {
        ThrottleLimit = shared.Get<int>(SharedParameters.ThrottleLimit),
        MaxAttempts = shared.Get<int>(SharedParameters.MaximumRetryCount) + 1,
        RetryBaseDelay = TimeSpan.FromSeconds(shared.Get<int>(SharedParameters.RetryIntervalSec)),
        StallTimeout = TimeSpan.FromSeconds(shared.Get<int>(SharedParameters.StallTimeoutSec)),
        Force = shared.Get<SwitchParameter>(SharedParameters.Force).IsPresent,
        Client = Client(shared),
    };

    /// <summary>The shared parameters' defaults, for a command that downloads without taking them (Test-MaasBootResource -Repair).</summary>
    public static TransferOptions Defaults() => Options(new SharedParameterValues(
    [
        SharedParameters.ThrottleLimit, SharedParameters.MaximumRetryCount, SharedParameters.RetryIntervalSec, SharedParameters.StallTimeoutSec,
        SharedParameters.Force, SharedParameters.Proxy, SharedParameters.ProxyCredential,
    ]));

    /// <summary>The HttpClient for -Proxy/-ProxyCredential (the session's one without them).</summary>
    public static System.Net.Http.HttpClient Client(SharedParameterValues shared) =>
        HttpClientProvider.ForProxy(shared.Get<Uri?>(SharedParameters.Proxy), shared.Get<PSCredential?>(SharedParameters.ProxyCredential)?.GetNetworkCredential());
}
