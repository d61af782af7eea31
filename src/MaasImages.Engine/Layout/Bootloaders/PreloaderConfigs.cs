namespace MaasImages.Engine.Layout.Bootloaders;

/// <summary>
/// The two pre-loader files at the snapshot root (rack-layout.md "ipxe.cfg and grub/grub.cfg"): they
/// only chain to the per-machine configs MAAS generates on request over HTTP/TFTP.
/// </summary>
internal static class PreloaderConfigs
{
    public const string IpxeName = "ipxe.cfg";
    public const string GrubName = "grub/grub.cfg";

    public const string Ipxe =
        "#!ipxe\n" +
        "# MAAS iPXE pre-loader configuration file\n" +
        "\n" +
        "# Load based on MAC address first, then the default.\n" +
        "chain http://${next-server}:5248/ipxe.cfg-${mac} || chain http://${next-server}:5248/ipxe.cfg-default-amd64\n";

    public const string Grub =
        "# MAAS GRUB2 pre-loader configuration file\n" +
        "\n" +
        "# Load based on MAC address first.\n" +
        "configfile /grub/grub.cfg-${net_default_mac}\n" +
        "\n" +
        "# Failed to load based on MAC address: load the default for this CPU.\n" +
        "configfile /grub/grub.cfg-default-${grub_cpu}\n";

    /// <summary>True when <paramref name="snapshot"/> already holds both as they would be written.</summary>
    public static bool AreCurrent(string snapshot)
    {
        var ipxe = Path.Combine(snapshot, IpxeName);
        return File.Exists(ipxe) && File.ReadAllText(ipxe) == Ipxe && File.Exists(Path.Combine(snapshot, GrubName));
    }

    /// <summary>ipxe.cfg always (a new file, never through a hard link shared with the old snapshot); grub.cfg only if absent.</summary>
    public static void Write(string snapshot)
    {
        var ipxe = Path.Combine(snapshot, IpxeName);
        File.Delete(ipxe);
        File.WriteAllText(ipxe, Ipxe);
        var grub = Path.Combine(snapshot, GrubName);
        if (File.Exists(grub)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(grub)!);
        File.WriteAllText(grub, Grub);
    }
}
