namespace MaasImages.PowerShell.Tests;

/// <summary>
/// The sample stream is signed with a throwaway key (samples/keys). Tests pass it explicitly
/// (<c>-Keyring $keyring</c>, a variable of each session): nothing process-wide, such as
/// $MAASIMAGES_KEYRING, that tests running in parallel could change under each other.
/// </summary>
internal static class SampleKeyring
{
    public static string PublicKey => Path.Combine(PowerShellSession.RepoRoot, "samples", "keys", "sample-signing-key.asc");
}
