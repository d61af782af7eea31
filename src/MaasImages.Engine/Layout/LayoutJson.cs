using System.Text.Json;
using System.Text.Json.Serialization;

namespace MaasImages.Engine.Layout;

/// <summary>
/// The layouts' state files (snapshot references, the mirror's verified-file records, rollback
/// records, the saved documents' dates) in generated serialization code: a save builds no serializer
/// by reflection and emits no code. The files are byte for byte what the reflection-based
/// serializer wrote (LayoutJsonTests), so files of earlier versions read the same.
/// </summary>
[JsonSerializable(typeof(CacheReferences))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, MirrorLayout.FileRecord>))]
internal sealed partial class LayoutJson : JsonSerializerContext
{
    /// <summary>Readable by people: indented, and dates keep their '+' (a local file, never served as HTML).</summary>
    /// <remarks>Built on first use: a static initializer here could run before the generated <see cref="Default"/> is set.</remarks>
    internal static JsonSerializerOptions Indented => s_indented ??= new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = Default,
    };
    private static JsonSerializerOptions? s_indented;
}
