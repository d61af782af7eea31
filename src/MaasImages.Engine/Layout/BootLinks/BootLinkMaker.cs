using MaasImages.Engine.Errors;
using MaasImages.Engine.Platform;

namespace MaasImages.Engine.Layout.BootLinks;

/// <summary>What one link of the table needs: its status once applied, and whether a file or folder is in the way.</summary>
public sealed class BootLinkChange
{
    internal BootLinkChange(BootLinkSpec spec, string folder, BootLinkStatus status, bool occupied, bool targetExists, bool linkExists)
    {
        Spec = spec;
        Folder = folder;
        Status = status;
        Occupied = occupied;
        TargetExists = targetExists;
        LinkExists = linkExists;
    }

    internal BootLinkSpec Spec { get; }
    internal string Folder { get; }
    public string Name => Spec.Name;
    public string Target => Spec.Target;
    public BootLinkKind Kind => Spec.Kind;
    public BootLinkStatus Status { get; }
    /// <summary>A regular file or real folder holds the name (LinkPathOccupied unless forced).</summary>
    public bool Occupied { get; }
    public bool TargetExists { get; }
    /// <summary>A symbolic link is at the name now (removed when the target is missing).</summary>
    internal bool LinkExists { get; }
    public string Path => System.IO.Path.Combine(Folder, Spec.Name);
    /// <summary>True when applying changes something on disk.</summary>
    public bool ChangesDisk => Status is BootLinkStatus.Created or BootLinkStatus.Updated || (Status == BootLinkStatus.Missing && LinkExists);

    public MaasBootLink ToResult() => new(Name, Target, Kind, Status, Path);
}

/// <summary>
/// Makes the root-level link table in a snapshot (or current): relative targets, each link
/// replaced atomically (temporary link + rename), re-runs change nothing. A missing target gets no
/// link (pxelinux.0 excepted); a file or folder in the way is an error unless forced.
/// </summary>
public static class BootLinkMaker
{
    /// <summary>What making the links in <paramref name="folder"/> would do; reads only.</summary>
    public static IReadOnlyList<BootLinkChange> Plan(string folder, bool force)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var changes = new List<BootLinkChange>();
        foreach (var spec in BootLinkTable.Links)
        {
            var path = Path.Combine(folder, spec.Name);
            var resolved = Path.Combine(folder, spec.Target.Replace('/', Path.DirectorySeparatorChar));
            // pxelinux.0 → lpxelinux.0: a link of this table, which may not be made yet.
            var targetExists = changes.FirstOrDefault(c => c.Name == spec.Target) is { } chained
                ? chained.TargetExists
                : spec.Kind == BootLinkKind.Directory ? Directory.Exists(resolved) : File.Exists(resolved);
            var existing = SymbolicLinks.ReadTarget(path);
            var occupied = existing is null && (File.Exists(path) || Directory.Exists(path));
            BootLinkStatus status;
            if (!targetExists && !spec.Always) status = BootLinkStatus.Missing;
            else if (existing == spec.Target) status = BootLinkStatus.Unchanged;
            else if (existing is not null || occupied) status = BootLinkStatus.Updated;
            else status = BootLinkStatus.Created;
            if (occupied && !force && status == BootLinkStatus.Missing) occupied = false; // nothing will be linked there: leave it be
            changes.Add(new BootLinkChange(spec, folder, status, occupied, targetExists, existing is not null));
        }
        return changes;
    }

    /// <summary>Refuses, before anything changes, when files or folders are in the way and <paramref name="force"/> is off.</summary>
    public static void EnsureNothingInTheWay(IReadOnlyList<BootLinkChange> changes, bool force)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var occupied = changes.Where(c => c.Occupied).ToList();
        if (occupied.Count > 0 && !force) throw new LinkPathOccupiedException(occupied[0].Folder, occupied.Select(c => c.Name).ToList());
    }

    /// <summary>Carries out one planned change.</summary>
    public static MaasBootLink Apply(BootLinkChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var path = change.Path;
        if (change.Status == BootLinkStatus.Missing)
        {
            if (change.LinkExists) File.Delete(path); // dangling: TFTP would answer "file not found" through it anyway
            return change.ToResult();
        }
        if (!change.ChangesDisk) return change.ToResult();

        var temporary = Path.Combine(change.Folder, $".{change.Name}.{Guid.NewGuid():N}.link");
        SymbolicLinks.Create(temporary, change.Target, change.Kind == BootLinkKind.Directory);
        try
        {
            // rename(2) cannot replace a real folder with a link: only with -Force, and not atomically.
            if (change.Occupied && Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null) NoFollow.DeleteTree(path);
            NativeFileSystem.RenameReplacing(temporary, path);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        return change.ToResult();
    }

    /// <summary>Plans, checks and applies the whole table; warns for each missing target.</summary>
    public static IReadOnlyList<MaasBootLink> Make(string folder, bool force, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(warn);
        var changes = Plan(folder, force);
        EnsureNothingInTheWay(changes, force);
        foreach (var change in changes) Warn(change, warn);
        return changes.Select(Apply).ToList();
    }

    /// <summary>The warning a change deserves, if any.</summary>
    public static void Warn(BootLinkChange change, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(warn);
        if (change.Status == BootLinkStatus.Missing)
            warn($"No link '{change.Name}': its target '{change.Target}' is not in '{change.Folder}' (install that bootloader first).");
        else if (!change.TargetExists)
            warn($"'{change.Name}' links to '{change.Target}', which is missing; made anyway, for DHCP configs that still ask for it.");
    }
}
