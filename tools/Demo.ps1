#Requires -Version 7.4
<#
.SYNOPSIS
    The main job, end to end, on the bundled sample stream (no network needed): read the stream,
    list its images, pick the newest amd64 ones, and show what they hold.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Destination,
    # A stream root or URL; default: the sample stream bundled with the module.
    [string] $Source
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
if (-not $Source) { $Source = Join-Path (Split-Path $ModulePath) 'samples/stream' }

Write-Host "== Get-MaasStream -Source $Source"
$stream = Get-MaasStream -Source $Source
$stream | Format-Table | Out-String -Width 120 | Write-Host
$stream.Contents | Format-Table | Out-String -Width 120 | Write-Host

Write-Host '== Every image version in the stream'
$stream | Get-MaasImageVersion | Format-Table | Out-String -Width 120 | Write-Host

Write-Host '== Newest amd64 images of jammy and noble'
$latest = $stream | Get-MaasImageVersion -Release jammy, 24.04 -Arch amd64 -Latest
$latest | Format-Table | Out-String -Width 120 | Write-Host
$unique = $latest.Files | Sort-Object Sha256 -Unique
$total = ($unique | Measure-Object Size -Sum).Sum
Write-Host ("{0} image versions, {1} files, {2} unique files ({3} bytes) to fetch." -f `
        $latest.Count, ($latest.Files | Measure-Object).Count, $unique.Count, $total)
Write-Host "(Saving into $Destination arrives with Save-MaasImage.)"
