using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Platform;

/// <summary>Refuses, before anything is touched, a destination folder that can never be one (InvalidDestination).</summary>
public static class DestinationCheck
{
    /// <summary>Kernel pseudo file systems: writing there is at best meaningless.</summary>
    private static readonly string[] PseudoFileSystems = ["/proc", "/sys", "/dev"];

    public static void Ensure(string destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        string full;
        try
        {
            full = Path.GetFullPath(destination);
            if (NotAFolder(full) is { } why) throw new InvalidDestinationException(full, $"it is {why}");
            if (!OperatingSystem.IsWindows())
            {
                foreach (var pseudo in PseudoFileSystems)
                    if (full == pseudo || full.StartsWith(pseudo + "/", StringComparison.Ordinal))
                        throw new InvalidDestinationException(full, $"it is under {pseudo}, a kernel pseudo file system");
            }
            for (var parent = Path.GetDirectoryName(full); parent is not null; parent = Path.GetDirectoryName(parent))
            {
                if (Directory.Exists(parent)) break;
                if (NotAFolder(parent) is { } parentWhy) throw new InvalidDestinationException(full, $"'{parent}' on its path is {parentWhy}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoFailures.Translate(e, Path.GetFullPath(destination))!;
        }
    }

    /// <summary>Why an existing <paramref name="path"/> that is not a folder cannot be one, or null (a folder, or nothing there).</summary>
    private static string? NotAFolder(string path)
    {
        if (Directory.Exists(path) || !File.Exists(path)) return null;
        var info = new FileInfo(path);
        if (info.LinkTarget is not { } target) return "a file, not a folder";
        try
        {
            var final = info.ResolveLinkTarget(returnFinalTarget: true);
            return final is null || !final.Exists ? $"a symbolic link to '{target}', which does not exist" : "a link to a file, not a folder";
        }
        catch (IOException)
        {
            return "a symbolic link that loops (too many levels of symbolic links)";
        }
    }
}
