namespace MaasImages.Engine.Errors;

/// <summary>A folder given to the inventory cmdlets is neither a rack boot-resources tree nor a mirror.</summary>
public sealed class NotABootResourceTreeException(string path, string problem)
    : MaasImagesException("NotABootResourceTree", MaasErrorKind.ObjectNotFound,
        $"'{path}' is not a boot-resources folder or a mirror: {problem}. Pass a rack controller's boot-resources folder " +
        "(with current/ and maas.meta), a snapshot folder, or a mirror root (with streams/v1/index.sjson or index.json).", path);

/// <summary>maas.meta on disk is not the JSON object MAAS writes (damaged, truncated, planted).</summary>
public sealed class MalformedMaasMetaException(string path, string problem, Exception? inner = null)
    : MaasImagesException("MalformedMaasMeta", MaasErrorKind.InvalidData,
        $"'{path}' is not a readable maas.meta: {problem}. Nothing in that snapshot can be listed; Save-MaasImage rebuilds it.", path, inner);

/// <summary>Reading the tree would leave it: current, or the folder given, leads elsewhere through a symbolic link.</summary>
public sealed class UnsafeBootResourceTreeException(string path, string problem)
    : MaasImagesException("UnsafeBootResourceTree", MaasErrorKind.SecurityError,
        $"Refusing to read '{path}': {problem}. Nothing was read through it.", path);
