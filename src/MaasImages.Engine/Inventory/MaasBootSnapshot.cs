namespace MaasImages.Engine.Inventory;

/// <summary>One snapshot of a rack boot-resources folder: what Restore-MaasBootResource can switch current to.</summary>
public sealed class MaasBootSnapshot
{
    internal MaasBootSnapshot(string root, string name, DateTime? created, bool isCurrent, int imageCount, int bootloaderCount, long size, int fileCount)
    {
        Path = root;
        Name = name;
        Created = created;
        IsCurrent = isCurrent;
        ImageCount = imageCount;
        BootloaderCount = bootloaderCount;
        Size = size;
        FileCount = fileCount;
    }

    /// <summary>The folder name, <c>snapshot-YYYYmmdd-HHMMSS[-n]</c>; Restore-MaasBootResource -Snapshot binds to it.</summary>
    public string Name { get; }
    /// <summary>The boot-resources folder the snapshot is in (Restore-MaasBootResource -Path binds to it).</summary>
    public string Path { get; }
    /// <summary>The snapshot folder itself.</summary>
    public string FullName => System.IO.Path.Combine(Path, Name);
    /// <summary>When it was made (UTC, from its name); null for a name without a time.</summary>
    public DateTime? Created { get; }
    /// <summary>True for the snapshot <c>current</c> points to.</summary>
    public bool IsCurrent { get; }
    /// <summary>Image versions its maas.meta lists (one per product and version, not per alias entry).</summary>
    public int ImageCount { get; }
    /// <summary>Bootloaders its maas.meta lists.</summary>
    public int BootloaderCount { get; }
    /// <summary>Bytes of its files (most are hard links shared with the cache and other snapshots).</summary>
    public long Size { get; }
    public int FileCount { get; }

    public override string ToString() => Name;
}
