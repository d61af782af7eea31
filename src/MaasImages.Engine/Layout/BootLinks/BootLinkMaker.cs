using MaasImages.Engine.Errors;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Transfer;

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

    /// <summary>What applying does, in words (the -WhatIf and -Confirm line).</summary>
    public string Action => Status == BootLinkStatus.Missing
        ? "Remove dangling link (target missing)"
        : $"{(Occupied ? "Replace with" : Status == BootLinkStatus.Created ? "Create" : "Update")} symbolic link -> {Target}";
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

    /// <summary>
    /// The whole job of New-MaasBootLink: in <paramref name="folder"/> (a snapshot, current, or a
    /// boot-resources folder, which means its current), under the lock of its boot-resources
    /// folder, makes each link that <paramref name="confirm"/> allows (asked with the link's path and
    /// what would change), reporting each one through <paramref name="made"/> as it is done.
    /// LinkPathOccupied before anything changes when a file or folder is in the way and
    /// <paramref name="force"/> is off.
    /// </summary>
    public static async Task MakeAsync(string folder, bool force, TimeSpan lockTimeout, Action<string> log, Action<string> warn,
        Func<string, string, Task<bool>> confirm, Action<MaasBootLink> made, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(warn);
        ArgumentNullException.ThrowIfNull(confirm);
        ArgumentNullException.ThrowIfNull(made);
        folder = LinkFolder(folder, log);
        // Like the other writers: never while a save or an install builds or switches a snapshot.
        using var destinationLock = await DestinationLock.AcquireAsync(LockFolder(folder), lockTimeout, warn, cancellationToken).ConfigureAwait(false);
        var changes = IoFailures.Guard(folder, () => Plan(folder, force));
        EnsureNothingInTheWay(changes, force);
        foreach (var change in changes)
        {
            Warn(change, warn);
            if (change.ChangesDisk && !await confirm(change.Path, change.Action).ConfigureAwait(false)) continue;
            made(IoFailures.Guard(folder, () => Apply(change)));
        }
    }

    /// <summary>
    /// Where the links go: <paramref name="folder"/>, or the current snapshot of a boot-resources
    /// folder (where TFTP looks). Refuses a folder that does not exist, and one that is a symbolic
    /// link other than a current pointing at a real snapshot beside it (the links would land
    /// wherever it points).
    /// </summary>
    public static string LinkFolder(string folder, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(log);
        var current = Path.Combine(folder, RackSnapshots.CurrentName);
        if (!Directory.Exists(Path.Combine(folder, "bootloader")) && Directory.Exists(current))
        {
            log($"'{folder}' is a boot-resources folder: making the links in '{current}'.");
            folder = current;
        }
        if (FindEscapingLink(folder) is { } problem) throw new UnsafeDestinationException(folder, problem);
        if (!Directory.Exists(folder)) throw new FolderNotFoundException(folder, "a snapshot folder or boot-resources/current");
        return folder;
    }

    private static string? FindEscapingLink(string folder)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(folder);
        if (new FileInfo(trimmed).LinkTarget is not { } target) return null;
        var parent = Path.GetDirectoryName(trimmed);
        if (Path.GetFileName(trimmed) == RackSnapshots.CurrentName && parent is not null
            && RackSnapshots.IgnoredCurrent(parent) is null && RackSnapshots.ResolveCurrent(parent) is not null)
        {
            return null;
        }
        return $"'{trimmed}' is a symbolic link to '{target}', not a current pointing at a snapshot beside it, so the boot links would be written outside the destination";
    }

    /// <summary>
    /// The boot-resources folder a snapshot (or current) belongs to is where every writer locks;
    /// a folder outside such a tree is locked itself.
    /// </summary>
    private static string LockFolder(string folder)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(folder));
        return parent is not null && (File.Exists(Path.Combine(parent, DestinationLock.FileName)) || Directory.Exists(Path.Combine(parent, RackSnapshots.CurrentName)))
            ? parent
            : folder;
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
