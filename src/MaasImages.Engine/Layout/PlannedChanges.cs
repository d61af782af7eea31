using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>What a run would do to one image or bootloader (for -WhatIf).</summary>
public enum PlannedChange
{
    /// <summary>No version of the product is saved there yet.</summary>
    New,
    /// <summary>Another version is saved there (or this one, with files to fetch again).</summary>
    Updated,
    /// <summary>This version is saved there with every file in place: nothing to fetch for it.</summary>
    Unchanged,
}

/// <param name="Item">The image or bootloader version the run saves.</param>
/// <param name="PreviousVersion">For <see cref="PlannedChange.Updated"/>: the newest other version saved there (or this one when only files are missing).</param>
public sealed record PlannedItem(MaasImageVersion Item, PlannedChange Change, string? PreviousVersion);

internal static class PlannedChanges
{
    /// <param name="saved">Product name → the versions of it saved at the destination now.</param>
    /// <param name="needsFiles">True when the item has a file to fetch.</param>
    public static List<PlannedItem> Of(IEnumerable<MaasImageVersion> items, ILookup<string, string> saved, Func<MaasImageVersion, bool> needsFiles) =>
        items.Select(item =>
        {
            var versions = saved[item.ProductName].Distinct(StringComparer.Ordinal).ToList();
            if (versions.Count == 0) return new PlannedItem(item, PlannedChange.New, null);
            if (versions.Contains(item.VersionName, StringComparer.Ordinal) && !needsFiles(item)) return new PlannedItem(item, PlannedChange.Unchanged, null);
            var previous = versions.Where(v => v != item.VersionName).Order(StringComparer.Ordinal).LastOrDefault() ?? item.VersionName;
            return new PlannedItem(item, PlannedChange.Updated, previous);
        }).ToList();

    /// <summary>The plan's figures about partial files an earlier run left (resumed, not fetched from zero) and the files to fetch.</summary>
    public static SavePlanSummary WithFetches(SavePlanSummary summary, IReadOnlyList<DownloadItem> fetches, IReadOnlyList<DownloadItem> toVerify)
    {
        var resumable = fetches.Select(FileFetcher.ResumableLength).Where(n => n > 0).ToList();
        return summary with
        {
            Fetches = fetches,
            FilesToVerify = toVerify.Count,
            BytesToVerify = toVerify.Sum(v => v.Size),
            FilesToResume = resumable.Count,
            BytesAlreadyHere = resumable.Sum(),
        };
    }
}
