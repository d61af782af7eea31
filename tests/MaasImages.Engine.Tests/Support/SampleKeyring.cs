using System.Runtime.CompilerServices;

namespace MaasImages.Engine.Tests.Support;

/// <summary>
/// The committed sample stream is signed with a throwaway key whose public half is in
/// samples/keys. Tests trust it the way a user would: through $MAASIMAGES_KEYRING.
/// </summary>
internal static class SampleKeyring
{
    public static string PublicKey => Path.Combine(RepoPaths.Root, "samples", "keys", "sample-signing-key.asc");

    [ModuleInitializer]
    internal static void Trust()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MAASIMAGES_KEYRING")))
            Environment.SetEnvironmentVariable("MAASIMAGES_KEYRING", PublicKey);
    }
}
