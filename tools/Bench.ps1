#Requires -Version 7.4
<#
.SYNOPSIS
    Benchmarks, reported as ratios against a baseline measured in the same run (the machine is noisy).
.DESCRIPTION
    Listing: a ~20 MB products document in the real images.maas.io shape is synthesised; listing
    every image in it in-process ($images = Get-MaasImageVersion …, first call of a fresh pwsh
    after Import-Module, and warm) is compared with
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' on the same file, the two run in
    turns (tools/BenchTiming.ps1) and the first-call ratio taken per turn.
    Import-Module time of a fresh pwsh is printed too. Then tools/Bench-Document.ps1 measures
    signed ~20 MB and ~200 MB documents (listing time and peak RSS against python3 json.load).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkFolder,
    [int] $TargetMegabytes = 20,
    [int] $Repeat = 5
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function New-BigStream {
    param([string] $Root, [int] $Megabytes)
    # Deterministic, real shape: 4 items per version, product-level props, subarches lists.
    $v1 = Join-Path $Root 'streams/v1'
    New-Item -ItemType Directory -Force -Path $v1 | Out-Null
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $sb = [System.Text.StringBuilder]::new($Megabytes * 1MB + 1MB)
    $null = $sb.Append("{`n `"content_id`": `"com.ubuntu.maas:stable:v3:download`",`n `"datatype`": `"image-ids`",`n `"format`": `"products:1.0`",`n `"products`": {`n")
    $subarches = 'generic,hwe-p,hwe-q,hwe-r,hwe-s,hwe-t,hwe-u,hwe-v,hwe-w,ga-16.04,ga-16.10,ga-17.04,ga-17.10,ga-18.04,ga-18.10,ga-19.04,ga-19.10,ga-20.04,ga-20.10,ga-21.04,ga-21.10,ga-22.04'
    $releases = @('bionic:18.04', 'focal:20.04', 'jammy:22.04', 'noble:24.04', 'oracular:24.10', 'plucky:25.04', 'questing:25.10')
    $arches = @('amd64', 'arm64', 'armhf', 'i386', 'ppc64el', 's390x', 'riscv64')
    $kernels = @('ga', 'hwe', 'hwe-edge', 'ga-lowlatency', 'hwe-lowlatency')
    $names = [System.Collections.Generic.List[string]]::new()
    $counter = 0
    $firstProduct = $true
    :outer for ($round = 0; ; $round++) {
        foreach ($rel in $releases) {
            $codename, $version = $rel.Split(':')
            foreach ($arch in $arches) {
                foreach ($kernel in $kernels) {
                    if ($sb.Length -ge $Megabytes * 1MB) { break outer }
                    $kflavor = if ($kernel -like '*lowlatency') { 'lowlatency' } else { 'generic' }
                    $subarch = ($kernel -replace '-lowlatency$', '') -replace '^ga$', "ga-$version" -replace '^hwe$', "hwe-$version" -replace '^hwe-edge$', "hwe-$version-edge"
                    $suffix = if ($kflavor -ne 'generic') { "-$kflavor" } else { '' }
                    $name = "com.ubuntu.maas.stable:v3:boot:$($version)r$($round):$($arch):$subarch$suffix"
                    $names.Add($name)
                    if (-not $firstProduct) { $null = $sb.Append(",`n") }
                    $firstProduct = $false
                    $null = $sb.Append("  `"$name`": {`n   `"arch`": `"$arch`",`n   `"kflavor`": `"$kflavor`",`n   `"krel`": `"$codename`",`n   `"label`": `"stable`",`n   `"os`": `"ubuntu`",`n   `"release`": `"$codename`",`n   `"release_codename`": `"$codename`",`n   `"release_title`": `"$version`",`n   `"subarch`": `"$subarch`",`n   `"subarches`": `"$subarches`",`n   `"support_eol`": `"2027-04-21`",`n   `"support_esm_eol`": `"2032-04-21`",`n   `"version`": `"$version`",`n   `"versions`": {`n")
                    for ($v = 0; $v -lt 40; $v++) {
                        $vname = '2025{0:D4}' -f (100 + $v)
                        if ($v -gt 0) { $null = $sb.Append(",`n") }
                        $null = $sb.Append("    `"$vname`": {`n     `"items`": {`n")
                        $items = @(
                            @('boot-initrd', "$codename/$arch/$vname/$subarch/$kflavor/boot-initrd", 115936699),
                            @('boot-kernel', "$codename/$arch/$vname/$subarch/$kflavor/boot-kernel", 11731176),
                            @('manifest', "$codename/$arch/$vname/squashfs.manifest", 17668),
                            @('squashfs', "$codename/$arch/$vname/squashfs", 455872512))
                        for ($i = 0; $i -lt $items.Count; $i++) {
                            $counter++
                            $hash = [Convert]::ToHexString($sha.ComputeHash([BitConverter]::GetBytes($counter))).ToLowerInvariant()
                            $item = $items[$i]
                            $ftype = $item[0]
                            $kpackage = if ($ftype -like 'boot-*') { "      `"kpackage`": `"linux-$kflavor`",`n" } else { '' }
                            if ($i -gt 0) { $null = $sb.Append(",`n") }
                            $null = $sb.Append("      `"$ftype`": {`n       `"ftype`": `"$ftype`",`n$kpackage       `"path`": `"$($item[1])`",`n       `"sha256`": `"$hash`",`n       `"size`": $($item[2])`n      }")
                        }
                        $null = $sb.Append("`n     }`n    }")
                    }
                    $null = $sb.Append("`n   }`n  }")
                }
            }
        }
    }
    $null = $sb.Append("`n },`n `"updated`": `"Thu, 24 Jul 2025 08:01:49 +0000`"`n}`n")
    $products = Join-Path $v1 'com.ubuntu.maas:stable:v3:download.json'
    [System.IO.File]::WriteAllText($products, $sb.ToString())
    ConvertTo-BenchIndexJson $names 'streams/v1/com.ubuntu.maas:stable:v3:download.json' | Set-Content (Join-Path $v1 'index.json')
    [pscustomobject]@{ Products = $products; Count = $names.Count * 40 }
}

. (Join-Path $PSScriptRoot 'BenchTiming.ps1')

New-Item -ItemType Directory -Force -Path $WorkFolder | Out-Null
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$streamRoot = Join-Path $WorkFolder 'big-stream'
if (Test-Path $streamRoot) { Remove-Item $streamRoot -Recurse -Force }
Write-Host "==> Synthesising a ~$TargetMegabytes MB products document"
$big = New-BigStream -Root $streamRoot -Megabytes $TargetMegabytes
$size = (Get-Item -LiteralPath $big.Products).Length
Write-Host ("    {0:N1} MB, {1} image versions" -f ($size / 1MB), $big.Count)

Write-Host '==> Import-Module in a fresh pwsh (median)'
$importScript = Join-Path $WorkFolder 'import.ps1'
Set-Content $importScript "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$ModulePath'; `$w.Elapsed.TotalMilliseconds"
$imports = foreach ($n in 1..$Repeat) { [double] (& dotnet pwsh -NoProfile -NonInteractive -File $importScript) }
$import = Get-Median $imports
Write-Host ("    {0:N0} ms" -f $import)

Write-Host "==> Listing every image in a fresh pwsh (`$images = Get-MaasImageVersion -Source <big>), in turns with python3 json.load, $Repeat rounds"
# Fresh processes, so the first call is a user's first call (nothing warmed up by this script);
# each also times $Repeat more calls in the same session (warm).
$listScript = Join-Path $WorkFolder 'list.ps1'
# The synthetic document is unsigned: -SkipSignatureCheck (its warning silenced) reads it.
New-ListingScript -Path $listScript -ModulePath $ModulePath -ExpectedCount $big.Count -WarmCalls $Repeat `
    -Listing "Get-MaasImageVersion -Source '$streamRoot' -SkipSignatureCheck -WarningAction SilentlyContinue"
$listing = Measure-ListingAgainstPython -JsonPath $big.Products -ListingScript $listScript -Rounds $Repeat
Write-Host ("    python3 json.load {0:N0} ms (samples {1}); first call {2:N0} ms (samples {3}), then warm median {4:N0} ms, {5} images" -f
    $listing.Python, (Format-Samples $listing.PythonSamples), $listing.First, (Format-Samples $listing.FirstSamples), $listing.Warm, $big.Count)

Write-Host ''
Write-Host 'Results (ratio < 1.0 means faster than the baseline; first call: median of the per-round ratios):'
Write-Host ("  listing 20 MB, first call / python3 json.load : {0:N2}" -f $listing.Ratio)
Write-Host ("  listing 20 MB, warm       / python3 json.load : {0:N2}" -f ($listing.Warm / $listing.Python))
Write-Host ("  Import-Module                                 : {0:N0} ms" -f $import)

# Signed products documents of ~20 MB and ~200 MB: listing time and peak RSS (own baseline runs).
& (Join-Path $PSScriptRoot 'Bench-Document.ps1') -ModulePath $ModulePath -WorkFolder (Join-Path $WorkFolder 'document')
