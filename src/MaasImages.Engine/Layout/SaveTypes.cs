using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

public enum SaveLayout
{
    /// <summary>As a MAAS rack controller: cache/, snapshot-*, current, maas.meta.</summary>
    Rack,
    /// <summary>A servable simplestreams mirror: upstream paths plus the metadata documents.</summary>
    Mirror,
}

/// <summary>How Save-MaasImage saves.</summary>
public sealed class SaveOptions
{
    public required string Destination { get; init; }
    public SaveLayout Layout { get; init; } = SaveLayout.Rack;
    /// <summary>Re-hash everything already present and re-fetch what is wrong.</summary>
    public bool Force { get; init; }
    /// <summary>Mirror: remove files of versions no longer selected. Rack: drop images not in this selection.</summary>
    public bool Prune { get; init; }
    /// <summary>Rack: previous snapshots kept besides <c>current</c> after a run (0: MAAS's behaviour, only <c>current</c>).</summary>
    public int KeepSnapshots { get; init; }
    /// <summary>Mirror: versions kept per product, the newest (0: no limit); older versions' files are removed.</summary>
    public int KeepVersions { get; init; }
    public TransferOptions Transfer { get; init; } = new();
    /// <summary>How long to wait for another run holding the destination.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Test hook: place files by copying, as where hard links are impossible.</summary>
    internal bool CopyInsteadOfLinking { get; init; }
}

/// <summary>What a save would do (for -WhatIf) or did.</summary>
public sealed record SavePlanSummary(int Files, int FilesToFetch, long BytesToFetch, int FilesReused, long BytesReused, bool NothingChanged)
{
    /// <summary>-Force: files present that are hashed (once, during the save) before they are reused.</summary>
    public int FilesToVerify { get; init; }
    /// <summary>-Force: the bytes of <see cref="FilesToVerify"/>.</summary>
    public long BytesToVerify { get; init; }
    /// <summary>Files to fetch of which an earlier run left a partial file: resumed, not fetched from zero.</summary>
    public int FilesToResume { get; init; }
    /// <summary>What those partial files already hold (part of <see cref="BytesToFetch"/>, which counts whole files).</summary>
    public long BytesAlreadyHere { get; init; }
    /// <summary>Each image or bootloader of the run: new, updated or unchanged.</summary>
    public IReadOnlyList<PlannedItem> Items { get; init; } = [];
    /// <summary>The files to fetch, each once.</summary>
    public IReadOnlyList<Transfer.DownloadItem> Fetches { get; init; } = [];
}

/// <summary>One image as saved: where its files are and what it cost.</summary>
public sealed class MaasSavedImage
{
    internal MaasSavedImage(MaasImageVersion image, SaveLayout layout, string path, IReadOnlyList<string> files, long bytesDownloaded, long bytesReused)
    {
        Image = image;
        Layout = layout;
        Path = path;
        Files = Formatting.Readable.List(files);
        BytesDownloaded = bytesDownloaded;
        BytesReused = bytesReused;
    }

    public MaasImageVersion Image { get; }
    public string ProductName => Image.ProductName;
    public string VersionName => Image.VersionName;
    public SaveLayout Layout { get; }
    /// <summary>The snapshot (rack) or mirror root the image was saved under.</summary>
    public string Path { get; }
    /// <summary>Absolute local paths of the image's files.</summary>
    public IReadOnlyList<string> Files { get; }
    public long BytesDownloaded { get; }
    public long BytesReused { get; }

    public override string ToString() => $"{Image} -> {Path}";
}
