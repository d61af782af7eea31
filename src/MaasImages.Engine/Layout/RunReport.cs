using System.Collections.Concurrent;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>
/// What one save or install did, for the one line that ends it (so a cron log says what happened):
/// the layout fills in what it decided, the transfer what it fetched.
/// </summary>
internal sealed class RunReport(SaveLayout layout, MaasContentKind kind)
{
    private readonly ConcurrentBag<FileResult> _fetched = [];

    /// <summary>Images or bootloaders the run was asked to save.</summary>
    public int Selected { get; set; }
    /// <summary>Of those, the ones that could not be saved.</summary>
    public int Failed { get; set; }
    /// <summary>Files the run needed that were already in place (verified by an earlier run, or re-hashed with -Force).</summary>
    public int FilesReused { get; set; }
    public long BytesReused { get; set; }
    /// <summary>What -Prune or -KeepVersions removed, counted in <see cref="PrunedNoun"/>s.</summary>
    public int Pruned { get; set; }
    public string PrunedNoun { get; set; } = "file";
    /// <summary>Rack: the snapshot this run made and switched <c>current</c> to; null when it made none.</summary>
    public string? SnapshotMade { get; set; }

    /// <summary>A file fetched (called by the transfer engine's observer, from any thread).</summary>
    public void Fetched(FileResult result) => _fetched.Add(result);

    /// <summary>Downloads a stop (Ctrl+C, or the first error under -ErrorAction Stop) cut off: their partial files stay.</summary>
    public void PartialsKept(int files, long bytes) => _partials = (files, bytes);

    private (int Files, long Bytes)? _partials;

    /// <summary>
    /// What a run that ended early (an error or a stop) had done by then: fetched, partials kept for
    /// the next run, the snapshot. Nothing here claims a save that did not happen.
    /// </summary>
    public string CutShort()
    {
        var fetched = _fetched.ToList();
        var line = fetched.Count == 0 ? "fetched nothing" : $"fetched {Counted.Of(fetched.Count, "file")}, {ByteSize.Format(fetched.Sum(f => f.BytesDownloaded))}";
        if (_partials is var (files, bytes))
            line += files == 1
                ? $"; the partial download ({ByteSize.Format(bytes)}) is kept; the next run resumes it"
                : $"; {files} partial downloads ({ByteSize.Format(bytes)}) are kept; the next run resumes them";
        return line + "; " + Snapshot();
    }

    /// <summary>What a run that never got as far as fetching did: nothing (the same words as <see cref="CutShort"/>).</summary>
    public static string NothingDone(SaveLayout layout) => new RunReport(layout, MaasContentKind.Images).CutShort();

    private string Snapshot() =>
        layout == SaveLayout.Mirror ? "no snapshot (mirror layout)"
        : SnapshotMade is not null ? $"made {SnapshotMade} and switched '{RackSnapshots.CurrentName}' to it"
        : "no snapshot made";

    public override string ToString()
    {
        var fetched = _fetched.ToList();
        var resumed = fetched.Where(f => f.Resumed).ToList();
        var noun = kind == MaasContentKind.Bootloaders ? "bootloader" : "image";
        var saved = Selected - Failed;
        var line = (kind == MaasContentKind.Bootloaders ? "Installed " : "Saved ")
            + (Failed > 0 ? $"{saved} of {Counted.Of(Selected, noun)} ({Failed} failed)" : Counted.Of(saved, noun))
            + $" ({layout}): fetched {Counted.Of(fetched.Count, "file")}, {ByteSize.Format(fetched.Sum(f => f.BytesDownloaded))}";
        if (resumed.Count > 0)
            line += $" ({Counted.Of(resumed.Count, "file")} resumed: {ByteSize.Format(resumed.Sum(f => f.BytesResumed))} of {(resumed.Count == 1 ? "it was" : "them were")} already here)";
        line += $"; reused {Counted.Of(FilesReused, "file")}, {ByteSize.Format(BytesReused)}; pruned {(Pruned == 0 ? "nothing" : Counted.Of(Pruned, PrunedNoun))}; ";
        return line + Snapshot() + ".";
    }
}
