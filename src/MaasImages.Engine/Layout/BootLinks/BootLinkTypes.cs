namespace MaasImages.Engine.Layout.BootLinks;

public enum BootLinkKind
{
    File,
    Directory,
}

public enum BootLinkStatus
{
    /// <summary>There was nothing at the name; the link was made.</summary>
    Created,
    /// <summary>A link with another target (or, with -Force, a file or folder) was replaced.</summary>
    Updated,
    /// <summary>The link was already right.</summary>
    Unchanged,
    /// <summary>The target is not in the tree: no link (a dangling one is removed).</summary>
    Missing,
}

/// <summary>One root-level link of a TFTP root (rack-layout.md "Root-level links").</summary>
public sealed class MaasBootLink
{
    internal MaasBootLink(string name, string target, BootLinkKind kind, BootLinkStatus status, string path)
    {
        Name = name;
        Target = target;
        Kind = kind;
        Status = status;
        Path = path;
    }

    /// <summary>The name clients ask for (bootx64.efi, pxelinux.0, syslinux…).</summary>
    public string Name { get; }
    /// <summary>The relative target, '/'-separated (bootloader/uefi/amd64/bootx64.efi).</summary>
    public string Target { get; }
    public BootLinkKind Kind { get; }
    public BootLinkStatus Status { get; }
    /// <summary>Absolute path of the link.</summary>
    public string Path { get; }

    public override string ToString() => $"{Name} -> {Target} ({Status})";
}
