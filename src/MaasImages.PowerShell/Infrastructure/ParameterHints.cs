using MaasImages.Engine.Errors;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// The engine says what can be done about an error (its <see cref="MaasRemedy"/>) and names no
/// parameter; here the cmdlet layer says how, naming the parameter ("Pass -Force …").
/// </summary>
internal static class ParameterHints
{
    public static string? For(MaasImagesException error) => (error.ErrorId, error.Remedy) switch
    {
        ("StaleMetadata", MaasRemedy.Override) => "Pass -Force to go back on purpose.",
        ("LinkPathOccupied", MaasRemedy.Override) => "Pass -Force to replace it with the link.",
        ("StreamMismatch", MaasRemedy.Override) => "Pass -Force to replace the index.",
        (_, MaasRemedy.Override) => "Pass -Force to go ahead on purpose.",
        (_, MaasRemedy.KeyringFile) => "Pass a binary or armored OpenPGP public keyring with -Keyring.",
        (_, MaasRemedy.KeyringOrSkipSignatureCheck) => "Pass one with -Keyring <file> (binary or armored), or use -SkipSignatureCheck to read the stream unverified.",
        (_, MaasRemedy.SkipSignatureCheck) => "Pass -SkipSignatureCheck to read it unverified.",
        (_, MaasRemedy.RepairSource) => "Pass -Source with the stream it was saved from (a URL or folder), or save it again with Save-MaasImage.",
        (_, MaasRemedy.NameSnapshot) => "Name one with -Snapshot.",
        ("LayoutParameterMismatch", MaasRemedy.KeepSnapshots) => "-KeepSnapshots applies to a rack boot-resources folder only.",
        (_, MaasRemedy.KeepSnapshots) => "Keep some with Save-MaasImage -KeepSnapshots N.",
        ("MirrorNotFound", _) => "Save-MaasImage -Layout Mirror writes one.",
        ("AuthenticationFailed", _) => "A connection string is given with -ConnectionString.",
        _ => null,
    };
}
