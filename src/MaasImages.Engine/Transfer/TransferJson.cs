using System.Text.Json.Serialization;

namespace MaasImages.Engine.Transfer;

/// <summary>
/// The transfer's state file (a partial's sidecar) in generated serialization code: the first
/// download of a session builds no serializer by reflection and emits no code, before its first byte.
/// </summary>
[JsonSerializable(typeof(FileFetcher.PartialState))]
internal sealed partial class TransferJson : JsonSerializerContext
{
}
