namespace MaasImages.Engine.Errors;

/// <summary>
/// A bootloader archive holds something that must never be extracted (absolute or climbing path,
/// link, device, oversized member...). The whole archive is refused: nothing from it is written.
/// </summary>
public sealed class UnsafeArchiveException(string archive, string problem)
    : MaasImagesException("UnsafeArchive", MaasErrorKind.SecurityError,
        $"Refusing bootloader archive '{archive}': {problem}. Nothing from it was written.", archive);

/// <summary>A bootloader archive is not a readable .tar.xz (bad xz check, truncated, broken tar header).</summary>
public sealed class CorruptArchiveException(string archive, string problem, Exception? inner = null)
    : MaasImagesException("CorruptArchive", MaasErrorKind.InvalidData,
        $"Bootloader archive '{archive}' is damaged: {problem}. Nothing from it was written.", archive, inner);

/// <summary>A regular file or folder sits where a root-level boot link belongs.</summary>
public sealed class LinkPathOccupiedException(string folder, IReadOnlyList<string> names)
    : MaasImagesException("LinkPathOccupied", MaasErrorKind.WriteError,
        $"'{folder}' holds {string.Join(", ", names.Select(n => $"'{n}'"))} as a regular file or folder where a boot link belongs. " +
        "Move it away, or have it replaced. No link was changed.", folder, remedy: MaasRemedy.Override)
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>The file system or the account cannot make symbolic links (never silently copied instead).</summary>
public sealed class SymbolicLinkNotPermittedException(string path, Exception? inner)
    : MaasImagesException("SymbolicLinkNotPermitted", MaasErrorKind.SecurityError,
        $"Cannot create the symbolic link '{path}': {(OperatingSystem.IsWindows()
            ? "this account may not create symbolic links. Turn on Developer Mode (Settings > System > For developers), or run PowerShell as administrator, or grant 'Create symbolic links' (SeCreateSymbolicLinkPrivilege) with secpol.msc, then run again."
            : "the file system refuses symbolic links (FAT/exFAT, or an SMB share mounted without 'mfsymlinks'). Put boot-resources on a file system that supports them (ext4, xfs, btrfs, zfs) and run again.")}",
        path, inner);

/// <summary>A folder the command works in does not exist.</summary>
public sealed class FolderNotFoundException(string folder, string expected)
    : MaasImagesException("FolderNotFound", MaasErrorKind.ObjectNotFound, $"'{folder}' does not exist. Pass {expected}.", folder);
