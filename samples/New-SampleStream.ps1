#!/usr/bin/env pwsh
#Requires -Version 7.2
<#
.SYNOPSIS
    Regenerates samples/stream/: a small, fully synthetic MAAS simplestreams mirror.

.DESCRIPTION
    The stream copies the SHAPE of images.maas.io/ephemeral-v3/stable (key names, which keys are
    hoisted to top/product/version level, product names, path patterns, version-name styles, ftype
    values, bootloader src_* fields, the "amd64, i386" arches quirk) but none of its content: every
    byte is made up here, so the tree can be committed, served by a test HTTP server and mirrored
    end to end in a few milliseconds.

    What it makes (every `path` is relative to the stream root, samples/stream/):
      streams/v1/index.json                                         index:1.0, three content ids
      streams/v1/com.ubuntu.maas:stable:v3:download.json            Ubuntu kernels/initrds/squashfs
      streams/v1/com.ubuntu.maas:stable:1:bootloader-download.json  bootloader archive.tar.xz
      streams/v1/com.ubuntu.maas:stable:centos-bases-download.json  CentOS root-tgz
      jammy/... noble/... bootloaders/... centos/...                the files those documents list

    Quirks reproduced on purpose (consumers must cope with them):
      - support_eol/support_esm_eol sit on the product for jammy but on each version for noble;
      - one squashfs (and squashfs.manifest) per release/arch/version, listed by every kernel product;
      - the amd64 hwe-22.04 boot-kernel of 20250718 has the same bytes as the one of 20250701;
      - "arches" of the pxelinux products contains a space after the comma;
      - the ppc64el grub2 archive keeps its member under grub/ (plus a directory entry).

    Deterministic: the output folder is deleted and recreated, timestamps are fixed, and file
    bytes come from a SHA-256 counter-mode stream seeded with the file's logical name. Running
    the script twice yields byte-identical files (same tar/xz versions assumed).

    Needs only PowerShell 7 plus GNU tar and xz on PATH. The .tar.gz of CentOS is compressed with
    .NET's GZipStream, so gzip is not needed.

.EXAMPLE
    cd /work/main; dotnet tool restore; dotnet pwsh -NoProfile -File samples/New-SampleStream.ps1
#>
[CmdletBinding()]
param()

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

# ----------------------------------------------------------------------------------------------
# Fixed inputs
# ----------------------------------------------------------------------------------------------
$Label = 'stable'
$Epoch = 1752833730                                 # Fri, 18 Jul 2025 10:15:30 +0000 (tar mtimes)
$IndexUpdated = 'Fri, 18 Jul 2025 10:15:30 +0000'
$UbuntuUpdated = 'Fri, 18 Jul 2025 10:15:30 +0000'
$BootloaderUpdated = 'Fri, 18 Jul 2025 10:15:28 +0000'
$CentosUpdated = 'Fri, 18 Jul 2025 10:15:29 +0000'

$StreamRoot = Join-Path $PSScriptRoot 'stream'
$Utf8NoBom = [System.Text.UTF8Encoding]::new($false)

# ----------------------------------------------------------------------------------------------
# Prerequisites
# ----------------------------------------------------------------------------------------------
foreach ($tool in 'tar', 'xz') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction SilentlyContinue)) {
        throw "New-SampleStream: '$tool' was not found on PATH. This script needs GNU tar and xz (e.g. 'apt-get install tar xz-utils')."
    }
}
$tarVersion = (& tar --version 2>&1 | Select-Object -First 1) -join ''
if ($tarVersion -notmatch 'GNU tar') {
    throw "New-SampleStream: GNU tar is required (for --sort=name/--mtime/--owner); found: '$tarVersion'."
}

# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------

# Deterministic pseudo-random bytes: SHA-256("<seed>#<counter>") blocks, concatenated.
function Get-PseudoBytes([string] $Seed, [int] $Count) {
    $out = [byte[]]::new($Count)
    $offset = 0
    $counter = 0
    while ($offset -lt $Count) {
        $block = [System.Security.Cryptography.SHA256]::HashData($Utf8NoBom.GetBytes("$Seed#$counter"))
        $n = [Math]::Min($block.Length, $Count - $offset)
        [Array]::Copy($block, 0, $out, $offset, $n)
        $offset += $n
        $counter++
    }
    return , $out
}

# Deterministic integer in [0, $Modulo) derived from a seed.
function Get-PseudoInt([string] $Seed, [int] $Modulo) {
    $h = [System.Security.Cryptography.SHA256]::HashData($Utf8NoBom.GetBytes("int:$Seed"))
    return [int]([BitConverter]::ToUInt32($h, 0) % [uint32]$Modulo)
}

function Get-Sha256Hex([byte[]] $Bytes) {
    return [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant()
}

# Reject anything that is not a plain relative, forward-slash path without '..' or empty segments.
function Assert-RelativePath([string] $Path) {
    if ($Path -match '^[/\\]' -or $Path -match '^[A-Za-z]:' -or $Path.Contains('\') -or
        ($Path.Split('/') | Where-Object { $_ -eq '' -or $_ -eq '.' -or $_ -eq '..' })) {
        throw "New-SampleStream: bad stream path '$Path'."
    }
}

# Files already written, by stream-relative path: lets several products list one file.
$Written = @{}

# Writes $Bytes at stream-relative $Path (once) and returns @{ path; sha256; size }.
function Save-StreamFile([string] $Path, [byte[]] $Bytes) {
    Assert-RelativePath $Path
    $sha = Get-Sha256Hex $Bytes
    if ($Written.ContainsKey($Path)) {
        if ($Written[$Path].sha256 -ne $sha) { throw "New-SampleStream: '$Path' generated twice with different bytes." }
        return $Written[$Path]
    }
    $full = Join-Path $StreamRoot $Path
    [void][System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($full))
    [System.IO.File]::WriteAllBytes($full, $Bytes)
    $meta = [ordered]@{ path = $Path; sha256 = $sha; size = [long]$Bytes.Length }
    $Written[$Path] = $meta
    return $meta
}

# Builds an item: ftype + path/sha256/size + extra props.
function New-StreamItem([string] $Ftype, $FileMeta, [System.Collections.IDictionary] $Extra = @{}) {
    $item = [ordered]@{ ftype = $Ftype; path = $FileMeta.path; sha256 = $FileMeta.sha256; size = $FileMeta.size }
    foreach ($k in $Extra.Keys) { $item[$k] = $Extra[$k] }
    return $item
}

# JSON like Python's json.dumps(obj, indent=1, sort_keys=True) (the upstream producer's style):
# one-space indent, keys sorted ordinally, "key": value, no trailing spaces.
function ConvertTo-StreamJson($Value, [int] $Level = 0) {
    $pad = ' ' * ($Level + 1)
    $end = ' ' * $Level
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [string]) {
        $sb = [System.Text.StringBuilder]::new('"')
        foreach ($ch in $Value.ToCharArray()) {
            switch ($ch) {
                '"' { [void]$sb.Append('\"') }
                '\' { [void]$sb.Append('\\') }
                "`n" { [void]$sb.Append('\n') }
                "`r" { [void]$sb.Append('\r') }
                "`t" { [void]$sb.Append('\t') }
                default {
                    if ([int]$ch -lt 0x20 -or [int]$ch -gt 0x7e) { [void]$sb.Append(('\u{0:x4}' -f [int]$ch)) }
                    else { [void]$sb.Append($ch) }
                }
            }
        }
        return $sb.Append('"').ToString()
    }
    if ($Value -is [bool]) { return $Value ? 'true' : 'false' }
    if ($Value -is [int] -or $Value -is [long]) { return $Value.ToString([System.Globalization.CultureInfo]::InvariantCulture) }
    if ($Value -is [System.Collections.IDictionary]) {
        if ($Value.Count -eq 0) { return '{}' }
        $keys = [string[]]@($Value.Keys)
        [Array]::Sort($keys, [StringComparer]::Ordinal)
        $parts = foreach ($k in $keys) { $pad + (ConvertTo-StreamJson $k) + ': ' + (ConvertTo-StreamJson $Value[$k] ($Level + 1)) }
        return "{`n" + ($parts -join ",`n") + "`n$end}"
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $list = @($Value)
        if ($list.Count -eq 0) { return '[]' }
        $parts = foreach ($v in $list) { $pad + (ConvertTo-StreamJson $v ($Level + 1)) }
        return "[`n" + ($parts -join ",`n") + "`n$end]"
    }
    throw "ConvertTo-StreamJson: unsupported type $($Value.GetType().FullName)"
}

function Save-JsonDocument([string] $Path, $Document) {
    Assert-RelativePath $Path
    $full = Join-Path $StreamRoot $Path
    [void][System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($full))
    [System.IO.File]::WriteAllText($full, (ConvertTo-StreamJson $Document) + "`n", $Utf8NoBom)
}

# Runs a native tool, failing loudly on a non-zero exit code.
function Invoke-Native([string] $Exe, [string[]] $Arguments) {
    $output = & $Exe @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "New-SampleStream: '$Exe $($Arguments -join ' ')' failed ($LASTEXITCODE): $output" }
}

# Deterministic tar of the named entries under $SourceDir (GNU format, fixed owner/mtime/mode).
# --sort=name only orders what tar reads from directories, so the named entries are sorted here.
function New-DeterministicTar([string] $SourceDir, [string[]] $Entries, [string] $TarFile) {
    $Entries = [string[]]$Entries.Clone()
    [Array]::Sort($Entries, [StringComparer]::Ordinal)
    $tarArgs = @('--sort=name', "--mtime=@$Epoch", '--owner=0', '--group=0', '--numeric-owner',
        '--format=gnu', '--mode=u=rwX,go=rX', '-C', $SourceDir, '-cf', $TarFile, '--') + $Entries
    Invoke-Native 'tar' $tarArgs
}

# Writes $Members (@{ 'name/in/archive' = [byte[]] }) to a staging folder and returns that folder.
function New-StagingTree([System.Collections.IDictionary] $Members) {
    $dir = Join-Path $Staging ([Guid]::NewGuid().ToString('N'))   # name never reaches the output
    foreach ($name in $Members.Keys) {
        $f = Join-Path $dir $name
        [void][System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($f))
        [System.IO.File]::WriteAllBytes($f, [byte[]]$Members[$name])
    }
    return $dir
}

# archive.tar.xz: tar, then xz -6 single-threaded with a CRC64 check.
function New-TarXz([System.Collections.IDictionary] $Members, [string[]] $TopEntries) {
    $dir = New-StagingTree $Members
    $tarFile = "$dir.tar"
    New-DeterministicTar $dir $TopEntries $tarFile
    Invoke-Native 'xz' @('-6', '--check=crc64', '-T1', '--force', $tarFile)   # -> $dir.tar.xz
    return , [System.IO.File]::ReadAllBytes("$tarFile.xz")
}

# .tar.gz: tar, then .NET GZipStream (fixed header: no name, mtime 0).
function New-TarGz([System.Collections.IDictionary] $Members, [string[]] $TopEntries) {
    $dir = New-StagingTree $Members
    $tarFile = "$dir.tar"
    New-DeterministicTar $dir $TopEntries $tarFile
    $ms = [System.IO.MemoryStream]::new()
    $gz = [System.IO.Compression.GZipStream]::new($ms, [System.IO.Compression.CompressionLevel]::SmallestSize, $true)
    $raw = [System.IO.File]::ReadAllBytes($tarFile)
    $gz.Write($raw, 0, $raw.Length)
    $gz.Dispose()
    return , $ms.ToArray()
}

# Sorts [name, version] pairs by name, ordinally (culture-independent).
function Get-OrdinalSorted([object[]] $Pairs) {
    $names = [string[]]@($Pairs | ForEach-Object { $_[0] })
    $arr = [object[]]$Pairs.Clone()
    # Casts pick the non-generic (keys, items) overload; the generic one would sort a converted copy.
    [Array]::Sort([Array]$names, [Array]$arr, [System.Collections.IComparer][StringComparer]::Ordinal)
    return , $arr
}

# The bulk of a squashfs.manifest in the real shape: multiarch libraries as name:arch, epochs,
# ~ and + versions, security-pocket revisions. Deterministic from the release (both arches get
# the same versions); the later image version upgrades about one package in ten, adds two and
# drops one, as a real refresh does.
$FillerLibraries = @(
    'acl1', 'apparmor1', 'apt-pkg6.0', 'attr1', 'audit1', 'blkid1', 'bpf1', 'bsd0', 'bz2-1.0', 'cap-ng0', 'cap2', 'com-err2',
    'crypt1', 'cryptsetup12', 'curl4', 'db5.3', 'dbus-1-3', 'debconfclient0', 'devmapper1.02.1', 'dw1', 'edit2', 'elf1',
    'expat1', 'ext2fs2', 'fdisk1', 'ffi8', 'fido2-1', 'fuse3-3', 'gcc-s1', 'gcrypt20', 'gdbm6', 'glib2.0-0', 'gmp10',
    'gnutls30', 'gpg-error0', 'gpm2', 'gssapi-krb5-2', 'hogweed6', 'idn2-0', 'inih1', 'ip4tc2', 'isns0', 'jansson4',
    'json-c5', 'k5crypto3', 'keyutils1', 'kmod2', 'krb5-3', 'krb5support0', 'ldap2', 'lz4-1', 'lzma5', 'lzo2-2',
    'mnl0', 'mount1', 'mpfr6', 'ncursesw6', 'netfilter-conntrack3', 'nettle8', 'newt0.52', 'nftables1', 'nghttp2-14',
    'npth0', 'nss-systemd', 'numa1', 'p11-kit0', 'pam-modules', 'pam-runtime', 'pam0g', 'parted2', 'pcap0.8', 'pci3',
    'pcre2-8-0', 'pipeline1', 'popt0', 'psl5', 'readline8', 'rtmp1', 'sasl2-2', 'seccomp2', 'selinux1', 'semanage2',
    'sepol2', 'slang2', 'smartcols1', 'sqlite3-0', 'ss2', 'ssh-4', 'stdc++6', 'systemd-shared', 'systemd0', 'tasn1-6',
    'tinfo6', 'tirpc3', 'udev1', 'unistring2', 'usb-1.0-0', 'uuid1', 'xml2', 'xtables12', 'xxhash0', 'yaml-0-2', 'zstd1'
)
$FillerTools = @(
    'apparmor', 'apt-utils', 'bind9-host', 'bsdutils', 'btrfs-progs', 'busybox-initramfs', 'ca-certificates',
    'cloud-guest-utils', 'cloud-initramfs-copymods', 'console-setup', 'cron', 'cryptsetup', 'dash', 'dbus', 'debconf',
    'debianutils', 'diffutils', 'dmidecode', 'dmsetup', 'dosfstools', 'e2fsprogs', 'eject', 'ethtool', 'fdisk', 'file',
    'findutils', 'fonts-ubuntu-console', 'gawk', 'gdisk', 'gettext-base', 'gpgv', 'grep', 'groff-base', 'gzip',
    'hostname', 'htop', 'ifupdown', 'info', 'init', 'init-system-helpers', 'initramfs-tools', 'iptables', 'iputils-ping',
    'kbd', 'keyboard-configuration', 'kmod', 'less', 'locales', 'login', 'logrotate', 'lsb-release', 'lshw', 'lsof',
    'lvm2', 'man-db', 'mawk', 'mdadm', 'mount', 'nano', 'ncurses-base', 'net-tools', 'netbase', 'networkd-dispatcher',
    'open-iscsi', 'open-vm-tools', 'openssl', 'parted', 'passwd', 'pciutils', 'perl-base', 'procps', 'psmisc', 'rsync',
    'rsyslog', 'sed', 'sensible-utils', 'shim-signed', 'snapd', 'squashfs-tools', 'ssh-import-id', 'strace',
    'sysvinit-utils', 'tar', 'tcpdump', 'thin-provisioning-tools', 'tmux', 'ubuntu-keyring', 'ubuntu-minimal',
    'ubuntu-server', 'ucf', 'usbutils', 'util-linux', 'vim-common', 'vim-tiny', 'wget', 'xfsprogs', 'xz-utils'
)
$FillerPython = @(
    'apt', 'attr', 'certifi', 'chardet', 'configobj', 'cryptography', 'dbus', 'debconf', 'distro', 'gi', 'httplib2',
    'idna', 'jinja2', 'json-pointer', 'jsonpatch', 'jsonschema', 'jwt', 'markupsafe', 'minimal', 'netifaces', 'netplan',
    'oauthlib', 'openssl', 'pkg-resources', 'pyrsistent', 'requests', 'serial', 'six', 'urllib3', 'yaml'
)

# A version in one of the shapes real manifests carry, from a seed.
function Get-FillerVersion([string] $Seed, [string] $ReleaseNumber) {
    $a = 1 + (Get-PseudoInt "$Seed/a" 9); $b = Get-PseudoInt "$Seed/b" 20; $c = Get-PseudoInt "$Seed/c" 12
    $d = 1 + (Get-PseudoInt "$Seed/d" 6); $e = 1 + (Get-PseudoInt "$Seed/e" 9)
    switch (Get-PseudoInt "$Seed/shape" 8) {
        0 { "$a.$b.$c-$($d)ubuntu$e" }
        1 { "$a.$b-$($d)build$e" }
        2 { "1:$a.$b.$c-$($d)ubuntu$e" }
        3 { "$a.$b~rc$c-$d" }
        4 { "$a.$b+dfsg-$($d)ubuntu$e" }
        5 { "$a.$b.$c-$($d)ubuntu0.$ReleaseNumber.$e" }
        6 { "2:$a.$b+git2024$('{0:D2}' -f (1 + $c))01-$d" }
        default { "$a.$b.$c" }
    }
}

function Get-FillerPackages([string] $Release, [string] $ReleaseNumber, [string] $Arch, [string] $VersionName, [bool] $Refreshed) {
    $names = @($FillerLibraries | ForEach-Object { , @("lib$_", ":$Arch") }) +
        @($FillerTools | ForEach-Object { , @($_, '') }) +
        @($FillerPython | ForEach-Object { , @("python3-$_", '') })
    if ($Refreshed) { $names = @($names | Where-Object { $_[0] -ne 'ifupdown' }) + @(, @('libnvme1', ":$Arch")) + @(, @('nvme-cli', '')) }
    foreach ($n in $names) {
        $version = Get-FillerVersion "$Release/$($n[0])" $ReleaseNumber
        # About one in ten is newer in the refreshed image: a revision appended sorts after the old one.
        if ($Refreshed -and (Get-PseudoInt "$Release/$($n[0])/update" 10) -eq 0) { $version = "$version.1" }
        , @("$($n[0])$($n[1])", $version)
    }
}

function New-ManifestBytes([string[][]] $Packages) {
    $text = ($Packages | ForEach-Object { "$($_[0])`t$($_[1])" }) -join "`n"
    return , $Utf8NoBom.GetBytes($text + "`n")
}

# ----------------------------------------------------------------------------------------------
# Start from an empty stream root
# ----------------------------------------------------------------------------------------------
if ((Split-Path $StreamRoot -Leaf) -ne 'stream' -or (Split-Path (Split-Path $StreamRoot -Parent) -Leaf) -ne 'samples') {
    throw "New-SampleStream: refusing to clear unexpected folder '$StreamRoot'."
}
if (Test-Path -LiteralPath $StreamRoot) { Remove-Item -LiteralPath $StreamRoot -Recurse -Force }
[void][System.IO.Directory]::CreateDirectory($StreamRoot)

$Staging = Join-Path ([System.IO.Path]::GetTempPath()) ("maas-sample-stream-" + [Guid]::NewGuid().ToString('N'))
[void][System.IO.Directory]::CreateDirectory($Staging)

try {
    # ==========================================================================================
    # Ubuntu v3: com.ubuntu.maas:stable:v3:download
    # ==========================================================================================
    $gaSubarchesBase = 'generic,hwe-p,hwe-q,hwe-r,hwe-s,hwe-t,hwe-u,hwe-v,hwe-w,ga-16.04,ga-16.10,ga-17.04,ga-17.10,ga-18.04,ga-18.10,ga-19.04,ga-19.10,ga-20.04,ga-20.10,ga-21.04,ga-21.10,ga-22.04'
    $Releases = @(
        [ordered]@{
            release = 'jammy'; version = '22.04'; codename = 'Jammy Jellyfish'; title = '22.04 LTS'
            support_eol = '2027-04-21'; support_esm_eol = '2032-04-21'; eolOnVersion = $false
            subarches = $gaSubarchesBase
            packages = @(
                @('adduser', '3.118ubuntu5'), @('apt', '2.4.14'), @('base-files', '12ubuntu4.7'),
                @('bash', '5.1-6ubuntu1.1'), @('cloud-init', '25.1.2-0ubuntu0~22.04.1'), @('coreutils', '8.32-4.1ubuntu1.2'),
                @('curl', '7.81.0-1ubuntu1.20'), @('dpkg', '1.21.1ubuntu2.3'), @('iproute2', '5.15.0-1ubuntu2'),
                @('libc6', '2.35-0ubuntu3.10'), @('libssl3', '3.0.2-0ubuntu1.19'), @('netplan.io', '0.106.1-7ubuntu0.22.04.4'),
                @('openssh-server', '1:8.9p1-3ubuntu0.13'), @('python3', '3.10.6-1~22.04.1'), @('sudo', '1.9.9-1ubuntu2.4'),
                @('systemd', '249.11-0ubuntu3.16'), @('tzdata', '2025b-0ubuntu0.22.04.1'), @('udev', '249.11-0ubuntu3.16')
            )
            updates = @{ '20250718' = @{ 'libssl3' = '3.0.2-0ubuntu1.20'; 'curl' = '7.81.0-1ubuntu1.21'; 'sudo' = '1.9.9-1ubuntu2.5' } }
        },
        [ordered]@{
            release = 'noble'; version = '24.04'; codename = 'Noble Numbat'; title = '24.04 LTS'
            support_eol = '2029-05-31'; support_esm_eol = '2034-04-25'; eolOnVersion = $true
            subarches = "$gaSubarchesBase,ga-22.10,ga-23.04,ga-23.10,ga-24.04"
            packages = @(
                @('adduser', '3.137ubuntu1'), @('apt', '2.8.3'), @('base-files', '13ubuntu10.2'),
                @('bash', '5.2.21-2ubuntu4'), @('cloud-init', '25.1.2-0ubuntu0~24.04.1'), @('coreutils', '9.4-3ubuntu6'),
                @('curl', '8.5.0-2ubuntu10.6'), @('dpkg', '1.22.6ubuntu6.1'), @('iproute2', '6.1.0-1ubuntu6'),
                @('libc6', '2.39-0ubuntu8.4'), @('libssl3t64', '3.0.13-0ubuntu3.5'), @('netplan.io', '1.1.2-2~ubuntu24.04.1'),
                @('openssh-server', '1:9.6p1-3ubuntu13.12'), @('python3', '3.12.3-0ubuntu2'), @('sudo', '1.9.15p5-3ubuntu5.24.04.1'),
                @('systemd', '255.4-1ubuntu8.8'), @('tzdata', '2025b-0ubuntu0.24.04.1'), @('udev', '255.4-1ubuntu8.8')
            )
            updates = @{ '20250718' = @{ 'libssl3t64' = '3.0.13-0ubuntu3.6'; 'systemd' = '255.4-1ubuntu8.10'; 'udev' = '255.4-1ubuntu8.10' } }
        }
    )
    $UbuntuArches = @('amd64', 'arm64')
    $UbuntuVersions = @('20250701', '20250718')

    $ubuntuProducts = [ordered]@{}
    foreach ($rel in $Releases) {
        $r = $rel.release
        # Kernels of this release: subarch, kflavor, kpackage, and which arches carry it.
        $kernels = @(
            @{ subarch = "ga-$($rel.version)"; kflavor = 'generic'; kpackage = 'linux-generic'; arches = $UbuntuArches },
            @{ subarch = "hwe-$($rel.version)"; kflavor = 'generic'; kpackage = "linux-generic-hwe-$($rel.version)"; arches = $UbuntuArches }
        )
        if ($r -eq 'jammy') {
            $kernels += @{ subarch = 'ga-22.04'; kflavor = 'lowlatency'; kpackage = 'linux-lowlatency'; arches = @('amd64') }
        }
        foreach ($arch in $UbuntuArches) {
            foreach ($k in $kernels) {
                if ($arch -notin $k.arches) { continue }
                $suffix = if ($k.kflavor -eq 'generic') { $k.subarch } else { "$($k.subarch)-$($k.kflavor)" }
                $name = "com.ubuntu.maas.$($Label):v3:boot:$($rel.version):$($arch):$suffix"
                $product = [ordered]@{
                    arch = $arch; kflavor = $k.kflavor; krel = $r; label = $Label; os = 'ubuntu'
                    release = $r; release_codename = $rel.codename; release_title = $rel.title
                    subarch = $k.subarch; subarches = $rel.subarches; version = $rel.version
                }
                if (-not $rel.eolOnVersion) {
                    $product.support_eol = $rel.support_eol
                    $product.support_esm_eol = $rel.support_esm_eol
                }
                $versions = [ordered]@{}
                foreach ($vname in $UbuntuVersions) {
                    $kdir = "$r/$arch/$vname/$($k.subarch)/$($k.kflavor)"
                    # Seeds are the logical paths; the amd64 hwe-22.04 kernel did not change in 20250718.
                    $kernelSeed = "$kdir/boot-kernel"
                    if ($r -eq 'jammy' -and $arch -eq 'amd64' -and $k.subarch -eq 'hwe-22.04' -and $k.kflavor -eq 'generic') {
                        $kernelSeed = "$r/$arch/20250701/$($k.subarch)/$($k.kflavor)/boot-kernel"
                    }
                    $kernel = Save-StreamFile "$kdir/boot-kernel" (Get-PseudoBytes $kernelSeed (3072 + 1 + (Get-PseudoInt $kernelSeed 127)))
                    $initrdSeed = "$kdir/boot-initrd"
                    $initrd = Save-StreamFile "$kdir/boot-initrd" (Get-PseudoBytes $initrdSeed (12288 + 1 + (Get-PseudoInt $initrdSeed 509)))
                    # One squashfs (+ manifest) per release/arch/version, shared by every kernel product.
                    $sqSeed = "$r/$arch/$vname/squashfs"
                    $squashfs = Save-StreamFile $sqSeed (Get-PseudoBytes $sqSeed (49152 + 5 + (Get-PseudoInt $sqSeed 1019)))
                    $pkgs = foreach ($p in $rel.packages) {
                        $ver = $p[1]
                        if ($rel.updates.ContainsKey($vname) -and $rel.updates[$vname].ContainsKey($p[0])) { $ver = $rel.updates[$vname][$p[0]] }
                        , @($p[0], $ver)
                    }
                    $pkgs = @($pkgs) + , @("grub-efi-$arch-signed", $(if ($r -eq 'jammy') { '1.187.6+2.06-2ubuntu14.4' } else { '1.202.2+2.12-1ubuntu7.1' }))
                    $pkgs = @($pkgs) + @(Get-FillerPackages $r $rel.version $arch $vname ($vname -ne $UbuntuVersions[0]))
                    $pkgs = Get-OrdinalSorted $pkgs
                    $manifest = Save-StreamFile "$r/$arch/$vname/squashfs.manifest" (New-ManifestBytes $pkgs)

                    $version = [ordered]@{
                        items = [ordered]@{
                            'boot-initrd' = New-StreamItem 'boot-initrd' $initrd @{ kpackage = $k.kpackage }
                            'boot-kernel' = New-StreamItem 'boot-kernel' $kernel @{ kpackage = $k.kpackage }
                            'manifest'    = New-StreamItem 'manifest' $manifest
                            'squashfs'    = New-StreamItem 'squashfs' $squashfs
                        }
                    }
                    if ($rel.eolOnVersion) {
                        $version.support_eol = $rel.support_eol
                        $version.support_esm_eol = $rel.support_esm_eol
                    }
                    $versions[$vname] = $version
                }
                $product.versions = $versions
                $ubuntuProducts[$name] = $product
            }
        }
    }

    # ==========================================================================================
    # Bootloaders: com.ubuntu.maas:stable:1:bootloader-download
    # ==========================================================================================
    $syslinuxMembers = @('pxelinux.0', 'lpxelinux.0', 'chain.c32', 'ifcpu64.c32', 'ldlinux.c32',
        'libcom32.c32', 'libutil.c32', 'menu.c32', 'vesamenu.c32')
    $BootloaderVersions = @('20250601.0', '20250715.0')
    # Per archive: members (name inside the tar), top-level tar entries, src_* per version.
    $srcSyslinux = @{
        '20250601.0' = @('jammy', '3:6.04~git20190206.bf6db5b4+dfsg1-3ubuntu1')
        '20250715.0' = @('noble', '3:6.04~git20190206.bf6db5b4+dfsg1-3ubuntu3')
    }
    $srcShim = @{
        '20250601.0' = @('noble', '1.58+15.8-0ubuntu1')
        '20250715.0' = @('noble', '1.59+15.8-0ubuntu2')
    }
    $srcGrub2Signed = @{
        '20250601.0' = @('noble', '1.202.2+2.12-1ubuntu7.1')
        '20250715.0' = @('noble', '1.202.3+2.12-1ubuntu7.3')
    }
    $srcGrub2 = @{
        '20250601.0' = @('noble', '2.12-1ubuntu7.1')
        '20250715.0' = @('noble', '2.12-1ubuntu7.3')
    }
    $Bootloaders = @(
        @{ os = 'pxelinux'; type = 'pxe'; arch = 'i386'; arches = 'i386, amd64'
            archives = @(@{ item = 'syslinux'; members = $syslinuxMembers; top = $syslinuxMembers; src = $srcSyslinux }) },
        @{ os = 'pxelinux'; type = 'pxe'; arch = 'amd64'; arches = 'amd64, i386'
            archives = @(@{ item = 'syslinux'; members = $syslinuxMembers; top = $syslinuxMembers; src = $srcSyslinux }) },
        @{ os = 'grub-efi-signed'; type = 'uefi'; arch = 'amd64'; arches = 'amd64'
            archives = @(
                @{ item = 'shim-signed'; members = @('bootx64.efi', 'mmx64.efi'); top = @('bootx64.efi', 'mmx64.efi'); src = $srcShim },
                @{ item = 'grub2-signed'; members = @('grubx64.efi'); top = @('grubx64.efi'); src = $srcGrub2Signed }) },
        @{ os = 'grub-efi'; type = 'uefi'; arch = 'arm64'; arches = 'arm64'
            archives = @(
                @{ item = 'shim-signed'; members = @('bootaa64.efi', 'mmaa64.efi'); top = @('bootaa64.efi', 'mmaa64.efi'); src = $srcShim },
                @{ item = 'grub2-signed'; members = @('grubaa64.efi'); top = @('grubaa64.efi'); src = $srcGrub2Signed }) },
        @{ os = 'grub-ieee1275'; type = 'open-firmware'; arch = 'ppc64el'; arches = 'ppc64el,ppc64'
            archives = @(@{ item = 'grub2'; members = @('grub/bootppc64.bin'); top = @('grub'); src = $srcGrub2 }) }
    )

    $bootloaderProducts = [ordered]@{}
    foreach ($b in $Bootloaders) {
        $name = "com.ubuntu.maas.$($Label):1:$($b.os):$($b.type):$($b.arch)"
        $versions = [ordered]@{}
        foreach ($vname in $BootloaderVersions) {
            $items = [ordered]@{}
            foreach ($a in $b.archives) {
                $path = "bootloaders/$($b.type)/$($b.arch)/$vname/$($a.item).tar.xz"
                $members = [ordered]@{}
                foreach ($m in $a.members) {
                    $seed = "$path!$m"
                    $members[$m] = Get-PseudoBytes $seed (1024 + (Get-PseudoInt $seed 7169))   # 1 KiB .. 8 KiB
                }
                $file = Save-StreamFile $path (New-TarXz $members $a.top)
                $items[$a.item] = New-StreamItem 'archive.tar.xz' $file ([ordered]@{
                        src_package = $a.item; src_release = $a.src[$vname][0]; src_version = $a.src[$vname][1] })
            }
            $versions[$vname] = [ordered]@{ items = $items }
        }
        $bootloaderProducts[$name] = [ordered]@{
            arch = $b.arch; arches = $b.arches; 'bootloader-type' = $b.type; label = $Label; os = $b.os
            versions = $versions
        }
    }

    # ==========================================================================================
    # CentOS: com.ubuntu.maas:stable:centos-bases-download
    # ==========================================================================================
    $Centos = @(
        @{ version = '7.0'; release = 'centos70'; title = 'CentOS 7'; support_eol = '2024-06-30'
            pretty = 'CentOS Linux 7 (Core)'; builds = @{ '20240604_01' = '7.9.2009'; '20240702_01' = '7.9.2009' }
            packages = @(@('bash', '4.2.46-35.el7_9'), @('cloud-init', '19.4-7.el7.centos.6'), @('coreutils', '8.22-24.el7_9.2'),
                @('glibc', '2.17-326.el7_9'), @('kernel', '3.10.0-1160.119.1.el7'), @('openssh-server', '7.4p1-23.el7_9'),
                @('openssl-libs', '1:1.0.2k-26.el7_9'), @('systemd', '219-78.el7_9.9'), @('yum', '3.4.3-168.el7.centos'))
            updates = @{ '20240702_01' = @{ 'openssh-server' = '7.4p1-24.el7_9'; 'glibc' = '2.17-326.el7_9.3' } } },
        @{ version = '8'; release = '8'; title = 'CentOS 8'; support_eol = '2021-12-31'
            pretty = 'CentOS Linux 8'; builds = @{ '20240604_01' = '8.5.2111'; '20240702_01' = '8.5.2111' }
            packages = @(@('bash', '4.4.20-4.el8'), @('cloud-init', '21.1-7.el8'), @('coreutils', '8.30-12.el8'),
                @('dnf', '4.7.0-4.el8'), @('glibc', '2.28-164.el8'), @('kernel', '4.18.0-348.7.1.el8_5'),
                @('openssh-server', '8.0p1-10.el8'), @('openssl-libs', '1:1.1.1k-5.el8_5'), @('systemd', '239-51.el8_5.2'))
            updates = @{ '20240702_01' = @{ 'openssl-libs' = '1:1.1.1k-6.el8_5'; 'systemd' = '239-51.el8_5.3' } } }
    )
    $CentosVersions = @('20240604_01', '20240702_01')

    $centosProducts = [ordered]@{}
    foreach ($c in $Centos) {
        $name = "com.ubuntu.maas.$($Label):centos-bases:$($c.version):amd64"
        $versions = [ordered]@{}
        foreach ($vname in $CentosVersions) {
            $dir = "centos/$($c.release)/amd64/$vname"
            $members = [ordered]@{
                'etc/centos-release' = $Utf8NoBom.GetBytes("CentOS Linux release $($c.builds[$vname]) (synthetic MaasImages sample $vname)`n")
                'etc/os-release'     = $Utf8NoBom.GetBytes("NAME=`"CentOS Linux`"`nVERSION=`"$($c.version)`"`nID=`"centos`"`nPRETTY_NAME=`"$($c.pretty)`"`nBUILD_ID=`"$vname`"`n")
                'root/README'        = $Utf8NoBom.GetBytes("Synthetic root-tgz generated by samples/New-SampleStream.ps1; not a real CentOS image.`n")
            }
            $rootTgz = Save-StreamFile "$dir/root-tgz" (New-TarGz $members @('etc', 'root'))
            $pkgs = foreach ($p in $c.packages) {
                $ver = $p[1]
                if ($c.updates.ContainsKey($vname) -and $c.updates[$vname].ContainsKey($p[0])) { $ver = $c.updates[$vname][$p[0]] }
                , @($p[0], $ver)
            }
            $manifest = Save-StreamFile "$dir/root-tgz.manifest" (New-ManifestBytes @($pkgs))
            $versions[$vname] = [ordered]@{
                items = [ordered]@{
                    'manifest' = New-StreamItem 'manifest' $manifest
                    'root-tgz' = New-StreamItem 'root-tgz' $rootTgz
                }
            }
        }
        $centosProducts[$name] = [ordered]@{
            arch = 'amd64'; label = $Label; os = 'centos'; release = $c.release; release_title = $c.title
            subarch = 'generic'; subarches = 'generic'; support_eol = $c.support_eol; version = $c.version
            versions = $versions
        }
    }

    # ==========================================================================================
    # Documents
    # ==========================================================================================
    $docs = @(
        @{ id = "com.ubuntu.maas:$($Label):v3:download"; products = $ubuntuProducts; updated = $UbuntuUpdated },
        @{ id = "com.ubuntu.maas:$($Label):1:bootloader-download"; products = $bootloaderProducts; updated = $BootloaderUpdated },
        @{ id = "com.ubuntu.maas:$($Label):centos-bases-download"; products = $centosProducts; updated = $CentosUpdated }
    )
    $index = [ordered]@{}
    foreach ($d in $docs) {
        $path = "streams/v1/$($d.id).json"
        Save-JsonDocument $path ([ordered]@{
                content_id = $d.id; datatype = 'image-ids'; format = 'products:1.0'
                products = $d.products; updated = $d.updated
            })
        $names = [string[]]@($d.products.Keys)
        [Array]::Sort($names, [StringComparer]::Ordinal)
        $index[$d.id] = [ordered]@{
            datatype = 'image-ids'; format = 'products:1.0'; path = $path; products = $names; updated = $d.updated
        }
    }
    Save-JsonDocument 'streams/v1/index.json' ([ordered]@{ format = 'index:1.0'; index = $index; updated = $IndexUpdated })

    # Signed forms (.sjson, .json.gpg) with a throwaway key, like images.maas.io publishes.
    & (Join-Path $PSScriptRoot 'Protect-SampleStream.ps1') -StreamRoot $StreamRoot

    $files = @(Get-ChildItem -LiteralPath $StreamRoot -Recurse -File)
    $bytes = ($files | Measure-Object -Property Length -Sum).Sum
    Write-Host ("New-SampleStream: wrote {0} files, {1:N0} bytes, to {2}" -f $files.Count, $bytes, $StreamRoot)
}
finally {
    if (Test-Path -LiteralPath $Staging) { Remove-Item -LiteralPath $Staging -Recurse -Force }
}
