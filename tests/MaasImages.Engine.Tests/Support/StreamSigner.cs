namespace MaasImages.Engine.Tests.Support;

/// <summary>Signs an unsigned stream copy the way images.maas.io publishes: index.sjson listing .sjson documents, X.sjson and X.json.gpg for each.</summary>
public static class StreamSigner
{
    public static readonly string[] Products = [TempStream.V3Products, TempStream.CentosProducts, TempStream.BootloaderProducts];

    public static void SignAll(TempStream stream, TestSigningKey key)
    {
        var index = stream.Read(TempStream.Index);
        stream.Write("streams/v1/index.sjson", key.ClearSign(index.Replace(".json\"", ".sjson\"", StringComparison.Ordinal)));
        foreach (var doc in Products)
            stream.Write(Path.ChangeExtension(doc, ".sjson"), key.ClearSign(stream.Read(doc)));
        foreach (var doc in Products.Append(TempStream.Index))
            stream.Write(doc + ".gpg", key.DetachSign(File.ReadAllBytes(stream.PathOf(doc))));
    }

    /// <summary>Writes the armored public key into <paramref name="folder"/> and returns its path.</summary>
    public static string Keyring(string folder, TestSigningKey key)
    {
        var path = Path.Combine(folder, $"keyring-{Guid.NewGuid():N}.asc");
        key.Export(path);
        return path;
    }
}
