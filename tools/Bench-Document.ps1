#Requires -Version 7.4
<#
.SYNOPSIS
    Benchmarks big signed products documents: listing time and peak memory, as ratios against
    python3 json.load of the same document measured in the same run (the machine is noisy).
.DESCRIPTION
    For each size (default ~20 MB and ~200 MB) a products document in the real images.maas.io
    shape is synthesised, cleartext-signed with a key this script generates (gpg, RSA 4096,
    SHA512, like images.maas.io), and served from a folder whose index.sjson names it. Then, in
    -Repeat turns (tools/BenchTiming.ps1: python3, pwsh, python3, pwsh, ...):
      - baseline: python3 -c 'import json,sys; json.load(open(sys.argv[1]))' on the unsigned
        body (whole process; its CPU time and peak RSS are printed for context);
      - listing: $images = Get-MaasImageVersion -Source <folder> -Keyring <key> in a fresh
        `dotnet pwsh` after Import-Module, first call (the signature is checked as a user's
        would be, not skipped);
      - peak RSS of that pwsh process (VmHWM of /proc/self/status at the end, the highest of
        the -Repeat processes), against the document's size.
    Each ratio is the median of the per-turn ratios.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkFolder,
    [int[]] $Megabytes = @(20, 200),
    [int] $Repeat = 3,
    # Leave the signed streams and the keyring in -WorkFolder (for profiling), instead of removing them.
    [switch] $KeepDocuments
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# A generator in C#: a PowerShell loop takes minutes for 200 MB. Same shape as tools/Bench.ps1:
# products of 40 versions with 4 items each, product-level properties, a long subarches list.
Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

public static class BenchProductsDocument
{
    public static List<string> Write(string path, long targetBytes, out int versions)
    {
        var names = new List<string>();
        versions = 0;
        string subarches = "generic,hwe-p,hwe-q,hwe-r,hwe-s,hwe-t,hwe-u,hwe-v,hwe-w,ga-16.04,ga-16.10,ga-17.04,ga-17.10,ga-18.04,ga-18.10,ga-19.04,ga-19.10,ga-20.04,ga-20.10,ga-21.04,ga-21.10,ga-22.04";
        string[] releases = { "bionic:18.04", "focal:20.04", "jammy:22.04", "noble:24.04", "oracular:24.10", "plucky:25.04", "questing:25.10" };
        string[] arches = { "amd64", "arm64", "armhf", "i386", "ppc64el", "s390x", "riscv64" };
        string[] kernels = { "ga", "hwe", "hwe-edge", "ga-lowlatency", "hwe-lowlatency" };
        long written = 0;
        int counter = 0;
        bool first = true;
        using var file = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        var sb = new StringBuilder(1 << 16);
        sb.Append("{\n \"content_id\": \"com.ubuntu.maas:stable:v3:download\",\n \"datatype\": \"image-ids\",\n \"format\": \"products:1.0\",\n \"products\": {\n");
        for (int round = 0; written + sb.Length < targetBytes; round++)
        foreach (var rel in releases)
        foreach (var arch in arches)
        foreach (var kernel in kernels)
        {
            if (written + sb.Length >= targetBytes) goto done;
            var parts = rel.Split(':');
            string codename = parts[0], version = parts[1];
            string kflavor = kernel.EndsWith("lowlatency") ? "lowlatency" : "generic";
            string k = kernel.Replace("-lowlatency", "");
            string subarch = k == "ga" ? "ga-" + version : k == "hwe" ? "hwe-" + version : "hwe-" + version + "-edge";
            string suffix = kflavor == "generic" ? "" : "-" + kflavor;
            string name = "com.ubuntu.maas.stable:v3:boot:" + version + "r" + round + ":" + arch + ":" + subarch + suffix;
            names.Add(name);
            if (!first) sb.Append(",\n");
            first = false;
            sb.Append("  \"").Append(name).Append("\": {\n   \"arch\": \"").Append(arch).Append("\",\n   \"kflavor\": \"").Append(kflavor)
              .Append("\",\n   \"krel\": \"").Append(codename).Append("\",\n   \"label\": \"stable\",\n   \"os\": \"ubuntu\",\n   \"release\": \"").Append(codename)
              .Append("\",\n   \"release_codename\": \"").Append(codename).Append("\",\n   \"release_title\": \"").Append(version)
              .Append("\",\n   \"subarch\": \"").Append(subarch).Append("\",\n   \"subarches\": \"").Append(subarches)
              .Append("\",\n   \"support_eol\": \"2027-04-21\",\n   \"support_esm_eol\": \"2032-04-21\",\n   \"version\": \"").Append(version)
              .Append("\",\n   \"versions\": {\n");
            for (int v = 0; v < 40; v++)
            {
                string vname = "2025" + (100 + v).ToString("D4");
                if (v > 0) sb.Append(",\n");
                sb.Append("    \"").Append(vname).Append("\": {\n     \"items\": {\n");
                string[,] items = {
                    { "boot-initrd", codename + "/" + arch + "/" + vname + "/" + subarch + "/" + kflavor + "/boot-initrd", "115936699" },
                    { "boot-kernel", codename + "/" + arch + "/" + vname + "/" + subarch + "/" + kflavor + "/boot-kernel", "11731176" },
                    { "manifest", codename + "/" + arch + "/" + vname + "/squashfs.manifest", "17668" },
                    { "squashfs", codename + "/" + arch + "/" + vname + "/squashfs", "455872512" } };
                for (int i = 0; i < 4; i++)
                {
                    counter++;
                    string hash = Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(counter))).ToLowerInvariant();
                    string ftype = items[i, 0];
                    if (i > 0) sb.Append(",\n");
                    sb.Append("      \"").Append(ftype).Append("\": {\n       \"ftype\": \"").Append(ftype).Append("\",\n");
                    if (ftype.StartsWith("boot-")) sb.Append("       \"kpackage\": \"linux-").Append(kflavor).Append("\",\n");
                    sb.Append("       \"path\": \"").Append(items[i, 1]).Append("\",\n       \"sha256\": \"").Append(hash)
                      .Append("\",\n       \"size\": ").Append(items[i, 2]).Append("\n      }");
                }
                sb.Append("\n     }\n    }");
                versions++;
            }
            sb.Append("\n   }\n  }");
            written += sb.Length; // ASCII: characters are bytes
            file.Write(sb);
            sb.Clear();
        }
        done:
        sb.Append("\n },\n \"updated\": \"Thu, 24 Jul 2025 08:01:49 +0000\"\n}\n");
        file.Write(sb);
        return names;
    }
}
'@

function Invoke-Checked {
    param([string] $FilePath, [string[]] $Arguments)
    $output = & $FilePath @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($Arguments -join ' ')' failed ($LASTEXITCODE): $output" }
}

. (Join-Path $PSScriptRoot 'BenchTiming.ps1')

New-Item -ItemType Directory -Force -Path $WorkFolder | Out-Null
$WorkFolder = (Resolve-Path -LiteralPath $WorkFolder).Path
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path

# A throw-away gpg home: the key exists only for this run.
Write-Host '==> Generating a signing key (gpg, RSA 4096) in a throw-away GNUPGHOME'
$gpgHome = Join-Path $WorkFolder 'gnupg'
if (Test-Path $gpgHome) { Remove-Item $gpgHome -Recurse -Force }
New-Item -ItemType Directory -Path $gpgHome | Out-Null
& chmod 700 $gpgHome
$previousGnupgHome = $env:GNUPGHOME
$env:GNUPGHOME = $gpgHome
$keyring = Join-Path $WorkFolder 'bench-keyring.gpg'
$rows = [System.Collections.Generic.List[object]]::new()
try {
    Invoke-Checked gpg @('--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'MaasImages bench <bench@example.invalid>', 'rsa4096', 'sign', 'never')
    Invoke-Checked gpg @('--batch', '--yes', '--output', $keyring, '--export')

    foreach ($mb in $Megabytes) {
        $root = Join-Path $WorkFolder "signed-$mb"
        if (Test-Path $root) { Remove-Item $root -Recurse -Force }
        $v1 = Join-Path $root 'streams/v1'
        New-Item -ItemType Directory -Force -Path $v1 | Out-Null
        $body = Join-Path $WorkFolder "products-$mb.json"
        Write-Host "==> Synthesising and signing a ~$mb MB products document"
        $versions = 0
        $names = [BenchProductsDocument]::Write($body, [long] $mb * 1MB, [ref] $versions)
        $signed = Join-Path $v1 'com.ubuntu.maas:stable:v3:download.sjson'
        Invoke-Checked gpg @('--batch', '--yes', '--digest-algo', 'SHA512', '--output', $signed, '--clearsign', $body)
        $indexJson = Join-Path $WorkFolder "index-$mb.json"
        ConvertTo-BenchIndexJson $names 'streams/v1/com.ubuntu.maas:stable:v3:download.sjson' | Set-Content -LiteralPath $indexJson
        Invoke-Checked gpg @('--batch', '--yes', '--digest-algo', 'SHA512', '--output', (Join-Path $v1 'index.sjson'), '--clearsign', $indexJson)
        $size = (Get-Item -LiteralPath $signed).Length
        Write-Host ("    {0:N1} MB signed, {1:N0} image versions" -f ($size / 1MB), $versions)

        Write-Host "==> Listing, signature checked, first call in a fresh pwsh, in turns with python3 json.load of the same document, $Repeat rounds"
        $listScript = Join-Path $WorkFolder "list-$mb.ps1"
        New-ListingScript -Path $listScript -ModulePath $ModulePath -ExpectedCount $versions -WarmCalls 0 `
            -Listing "Get-MaasImageVersion -Source '$root' -Keyring '$keyring'" `
            -Check "if (-not `$images[0].Verified) { throw 'the listing was not verified' }"
        $m = Measure-ListingAgainstPython -JsonPath $body -ListingScript $listScript -Rounds $Repeat
        Write-Host ("    python3 json.load {0:N0} ms (samples {1}), CPU {2:N0} ms, peak RSS {3:N0} MB" -f $m.Python, (Format-Samples $m.PythonSamples), $m.PythonCpu, $m.PythonRss)
        Write-Host ("    first call {0:N0} ms (samples {1}), CPU {2:N0} ms, peak RSS {3:N0} MB (samples {4})" -f $m.First,
            (Format-Samples $m.FirstSamples), $m.FirstCpu, $m.Rss, (Format-Samples $m.RssSamples))
        $rows.Add([pscustomobject]@{ Megabytes = $mb; SizeMB = $size / 1MB; Measure = $m })
        if (-not $KeepDocuments) {
            Remove-Item -LiteralPath $root -Recurse -Force
            Remove-Item -LiteralPath $body
        }
    }
}
finally {
    & gpgconf --kill gpg-agent 2>$null
    $env:GNUPGHOME = $previousGnupgHome
    Remove-Item -LiteralPath $gpgHome -Recurse -Force -ErrorAction SilentlyContinue
}

Write-Host ''
Write-Host 'Results, signed products documents (ratio < 1.0 means faster than the baseline; medians of the per-round ratios):'
foreach ($row in $rows) {
    $m = $row.Measure
    Write-Host ("  listing {0,3} MB signed, first call / python3 json.load : {1:N2}  ({2:N0} ms / {3:N0} ms)" -f $row.Megabytes, $m.Ratio, $m.First, $m.Python)
}
foreach ($row in $rows) {
    # CPU time (user + system) says the same with less noise when other work shares the cores.
    $m = $row.Measure
    Write-Host ("  listing {0,3} MB signed, CPU time / python3 CPU time        : {1:N2}  ({2:N0} ms / {3:N0} ms)" -f $row.Megabytes, $m.CpuRatio, $m.FirstCpu, $m.PythonCpu)
}
foreach ($row in $rows) {
    $m = $row.Measure
    Write-Host ("  peak RSS, {0,3} MB signed document                       : {1:N0} MB = {2:N1}x the document (python3 json.load: {3:N0} MB)" -f $row.Megabytes, $m.Rss, ($m.Rss / $row.SizeMB), $m.PythonRss)
}
