using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Platform;

/// <summary>Refuses, before anything is touched, a destination folder that can never be one (InvalidDestination).</summary>
public static class DestinationCheck
{
    /// <summary>Kernel pseudo file systems: writing there is at best meaningless.</summary>
    private static readonly string[] PseudoFileSystems = ["/proc", "/sys", "/dev"];

    public static void Ensure(string destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var full = Path.GetFullPath(destination);
        if (File.Exists(full)) throw new InvalidDestinationException(full, "it is a file, not a folder");
        if (!OperatingSystem.IsWindows())
        {
            foreach (var pseudo in PseudoFileSystems)
                if (full == pseudo || full.StartsWith(pseudo + "/", StringComparison.Ordinal))
                    throw new InvalidDestinationException(full, $"it is under {pseudo}, a kernel pseudo file system");
        }
        for (var parent = Path.GetDirectoryName(full); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent)) break;
            if (File.Exists(parent)) throw new InvalidDestinationException(full, $"'{parent}' on its path is a file, not a folder");
        }
    }
}
