namespace MaasImages.Engine.Streams;

/// <summary>How a stream's metadata is trusted.</summary>
public sealed class StreamReadOptions
{
    /// <summary>Read unsigned or unverified metadata (-SkipSignatureCheck); the caller should warn.</summary>
    public bool SkipSignatureCheck { get; init; }
    /// <summary>-Keyring: a binary or armored OpenPGP keyring; null: $MAASIMAGES_KEYRING, then the system's.</summary>
    public string? KeyringPath { get; init; }
    /// <summary>Test hook: what $MAASIMAGES_KEYRING is taken to be for this read (null: the process environment).</summary>
    internal string? EnvironmentKeyring { get; init; }
}
