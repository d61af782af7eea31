namespace MaasImages.Engine.Layout.Bootloaders;

/// <summary>
/// The two pre-loader files at the snapshot root (rack-layout.md "ipxe.cfg and grub/grub.cfg"): they
/// only chain to the per-machine configs MAAS generates on request over HTTP/TFTP.
/// </summary>
internal static class PreloaderConfigs
{
    public const string IpxeName = "ipxe.cfg";
    public const string GrubName = "grub/grub.cfg";

    /// <summary>
    /// MAAS 3.4's text, byte for byte: <c>CONFIG_FILE</c> in src/provisioningserver/boot/ipxe.py
    /// (tags 3.4.1–3.4.10; 3.4.0 chained to <c>${net0/mac}</c>), written by <c>link_bootloader</c>.
    /// </summary>
    public const string Ipxe =
        "#!ipxe\n" +
        "# MAAS iPXE pre-loader configuration file\n" +
        "\n" +
        "# Load based on MAC address first.\n" +
        "chain http://${next-server}:5248/ipxe.cfg-${mac} ||\n" +
        "\n" +
        "# Failed to load based on MAC address.\n" +
        "chain http://${next-server}:5248/ipxe.cfg-default-amd64\n";

    /// <summary>
    /// MAAS 3.4's text, byte for byte: <c>CONFIG_FILE</c> in src/provisioningserver/boot/grub.py
    /// (tags 3.4.0–3.4.10; it starts with an empty line), written by <c>link_bootloader</c> only when absent.
    /// </summary>
    public const string Grub =
        "\n" +
        "# MAAS GRUB2 pre-loader configuration file\n" +
        "\n" +
        "# Load based on MAC address first.\n" +
        "configfile /grub/grub.cfg-${net_default_mac}\n" +
        "\n" +
        "# Failed to load based on MAC address. Load based on the CPU\n" +
        "# architecture.\n" +
        "configfile /grub/grub.cfg-default-${grub_cpu}\n";

    /// <summary>True when <paramref name="snapshot"/> already holds both as they would be written.</summary>
    public static bool AreCurrent(string snapshot)
    {
        var ipxe = Path.Combine(snapshot, IpxeName);
        return File.Exists(ipxe) && File.ReadAllBytes(ipxe).AsSpan().SequenceEqual(Bytes(Ipxe)) && File.Exists(Path.Combine(snapshot, GrubName));
    }

    /// <summary>ipxe.cfg always (a new file, never through a hard link shared with the old snapshot); grub.cfg only if absent.</summary>
    public static void Write(string snapshot)
    {
        var ipxe = Path.Combine(snapshot, IpxeName);
        File.Delete(ipxe);
        File.WriteAllBytes(ipxe, Bytes(Ipxe));
        var grub = Path.Combine(snapshot, GrubName);
        if (File.Exists(grub)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(grub)!);
        File.WriteAllBytes(grub, Bytes(Grub));
    }

    private static byte[] Bytes(string text) => System.Text.Encoding.ASCII.GetBytes(text);
}
