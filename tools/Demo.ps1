#Requires -Version 7.4
<#
.SYNOPSIS
    The main job, end to end, on the bundled sample stream (no network needed): read the stream,
    list its images, pick the newest amd64 ones, save them as a rack controller lays them out and
    as a mirror, and show what was written.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Destination,
    # A stream root or URL; default: the sample stream bundled with the module.
    [string] $Source
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
if (Test-Path $Destination) { Remove-Item $Destination -Recurse -Force } # the demo starts clean
if (-not $Source) {
    $Source = Join-Path (Split-Path $ModulePath) 'samples/stream'
    # The bundled sample stream is signed with a throwaway key; its public half ships beside it.
    $PSDefaultParameterValues['Get-MaasStream:Keyring'] = Join-Path (Split-Path $ModulePath) 'samples/keys/sample-signing-key.asc'
}

Write-Host "== Get-MaasStream -Source $Source  (signature verified)"
$stream = Get-MaasStream -Source $Source
$stream | Format-Table | Out-String -Width 120 | Write-Host
Write-Host ("signed by {0} ({1})" -f $stream.SignedBy, $stream.SignerUserId)
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

$rack = Join-Path $Destination 'boot-resources'
$mirror = Join-Path $Destination 'mirror'
Write-Host "== Save-MaasImage -Path $rack   (rack layout, as a MAAS rack controller)"
$saved = $latest | Save-MaasImage -Path $rack -PassThru
$saved | Format-Table ProductName, VersionName, BytesDownloaded, BytesReused | Out-String -Width 120 | Write-Host
Write-Host ("current -> {0}" -f (Get-Item (Join-Path $rack 'current')).LinkTarget)
Get-ChildItem -Recurse -File (Join-Path $rack 'current/') | ForEach-Object {
    '  {0,-70} {1,8}' -f [IO.Path]::GetRelativePath($rack, $_.FullName), $_.Length
} | Write-Host

Write-Host "== Install-MaasBootloader -Path $rack   (pxelinux, shim + grub for amd64/arm64, grub for ppc64el)"
$stream | Install-MaasBootloader -Path $rack -PassThru | Format-Table | Out-String -Width 120 | Write-Host
Write-Host "== New-MaasBootLink -Path $rack/current   (the root links TFTP clients ask for)"
New-MaasBootLink -Path (Join-Path $rack 'current') | Format-Table | Out-String -Width 120 | Write-Host

Write-Host '== Again: nothing new, so nothing is fetched and current stays'
$again = $latest | Save-MaasImage -Path $rack -PassThru
Write-Host ("bytes downloaded: {0}, current -> {1}" -f ($again | Measure-Object BytesDownloaded -Sum).Sum, (Get-Item (Join-Path $rack 'current')).LinkTarget)

Write-Host "== Save-MaasImage -Path $mirror -Layout Mirror   (a stream MAAS can use as a boot source)"
$latest | Save-MaasImage -Path $mirror -Layout Mirror
Get-MaasStream -Source $mirror | Format-Table | Out-String -Width 120 | Write-Host
Write-Host ("mirror holds {0} files, {1} bytes" -f (Get-ChildItem -Recurse -File $mirror | Measure-Object Length -Sum).Count, (Get-ChildItem -Recurse -File $mirror | Measure-Object Length -Sum).Sum)

Write-Host "== What is inside noble amd64, and what changed between the sample's two image versions (Debian version order)"
$previous, $newest = $stream | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-24.04 -MaxVersions 2
$manifests = Join-Path $Destination 'manifests'   # only the manifest items are fetched, verified and kept here
$newest | Get-MaasImageManifest -Name openssh*, libssl*, systemd -CachePath $manifests | Format-Table | Out-String -Width 120 | Write-Host
Compare-MaasImageManifest $previous $newest -CachePath $manifests | Format-Table | Out-String -Width 120 | Write-Host
