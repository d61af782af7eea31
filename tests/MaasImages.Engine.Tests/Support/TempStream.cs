using System.Text.Json.Nodes;

namespace MaasImages.Engine.Tests.Support;

/// <summary>
/// A private, writable copy of a stream folder in a temp directory, so a test can break one
/// document without touching the committed sample. Deleted on dispose.
/// </summary>
public sealed class TempStream : IDisposable
{
    public TempStream(string? from = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "maasimages-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        if (from is not null) CopyTree(from, Root);
    }

    public string Root { get; }

    /// <summary>
    /// A copy of the sample stream. By default without its signed forms (.sjson, .json.gpg), so a
    /// test can edit the plain documents; such a copy is read with skipSignatureCheck.
    /// </summary>
    public static TempStream OfSample(bool signed = false)
    {
        var copy = new TempStream(RepoPaths.SampleStream);
        if (!signed)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(copy.Root, "streams", "v1")))
                if (file.EndsWith(".sjson", StringComparison.Ordinal) || file.EndsWith(".gpg", StringComparison.Ordinal)) File.Delete(file);
        }
        return copy;
    }

    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public void Write(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    public void Delete(string relative) => File.Delete(PathOf(relative));

    /// <summary>Edits a JSON document in place.</summary>
    public void EditJson(string relative, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(Read(relative))!.AsObject();
        edit(node);
        Write(relative, node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    public const string V3Products = "streams/v1/com.ubuntu.maas:stable:v3:download.json";
    public const string CentosProducts = "streams/v1/com.ubuntu.maas:stable:centos-bases-download.json";
    public const string BootloaderProducts = "streams/v1/com.ubuntu.maas:stable:1:bootloader-download.json";
    public const string Index = "streams/v1/index.json";

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
