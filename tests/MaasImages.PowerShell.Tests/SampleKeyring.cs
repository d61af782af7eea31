using System.Runtime.CompilerServices;

namespace MaasImages.PowerShell.Tests;

/// <summary>The sample stream is signed with a throwaway key (samples/keys): tests trust it through $MAASIMAGES_KEYRING.</summary>
internal static class SampleKeyring
{
    public static string PublicKey => Path.Combine(PowerShellSession.RepoRoot, "samples", "keys", "sample-signing-key.asc");

    [ModuleInitializer]
    internal static void Trust()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MAASIMAGES_KEYRING")))
            Environment.SetEnvironmentVariable("MAASIMAGES_KEYRING", PublicKey);
    }
}
