using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Tests.Support;

/// <summary>
/// The committed sample stream is signed with a throwaway key whose public half is in
/// samples/keys. Tests pass it explicitly (-Keyring): nothing process-wide that tests running in
/// parallel could change under each other.
/// </summary>
internal static class SampleKeyring
{
    public static string PublicKey => Path.Combine(RepoPaths.Root, "samples", "keys", "sample-signing-key.asc");

    /// <summary>Read options that verify against the sample key.</summary>
    public static StreamReadOptions Options => new() { KeyringPath = PublicKey };
}
