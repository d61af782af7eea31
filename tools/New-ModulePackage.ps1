#Requires -Version 7.4
<#
.SYNOPSIS
    Packs a built MaasImages module folder into a PowerShell Gallery .nupkg with PSResourceGet.
.DESCRIPTION
    Copies the module folder into a staging folder named after the module (leaving out debug
    symbols and other build clutter, adding LICENSE), then publishes it with Publish-PSResource to
    a temporary local file repository whose folder is -OutputPath. The repository is registered in
    a private PSResourceGet store where the platform allows it (XDG_DATA_HOME on Linux/macOS) and
    always under a unique name that is unregistered afterwards, so the user's own repositories are
    left alone. Writes the path of the .nupkg.
.EXAMPLE
    ./tools/New-ModulePackage.ps1 -ModulePath ./out/MaasImages -OutputPath ./out/packages
#>
[CmdletBinding()]
param(
    # The built module folder (holding MaasImages.psd1).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Where the .nupkg is written (created if missing; an older package of the same version is replaced).
    [Parameter(Mandatory)] [string] $OutputPath,
    # Scratch space for staging; a fresh temporary folder by default.
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "maasimages-pack-$([guid]::NewGuid().ToString('n'))")
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$manifestPath = Join-Path $ModulePath 'MaasImages.psd1'
if (-not (Test-Path -LiteralPath $manifestPath)) { throw "No MaasImages.psd1 in '$ModulePath': build the module first." }
$manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
$version = $manifest.ModuleVersion
$moduleName = [IO.Path]::GetFileNameWithoutExtension($manifestPath)

New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).Path
$existing = Join-Path $OutputPath "$moduleName.$version.nupkg"
if (Test-Path -LiteralPath $existing) { Remove-Item -LiteralPath $existing -Force }

# Stage: only what a user needs at run time (assemblies, deps.json, manifest, formats, help, samples).
$staging = Join-Path $WorkPath $moduleName
New-Item -ItemType Directory -Force -Path $staging | Out-Null
$clutter = '*.pdb', '*.dbg'
Get-ChildItem -LiteralPath $ModulePath -Force | Copy-Item -Destination $staging -Recurse -Force
Get-ChildItem -LiteralPath $staging -Recurse -File -Include $clutter | Remove-Item -Force
$license = Join-Path $PSScriptRoot '../LICENSE'
if (Test-Path -LiteralPath $license) { Copy-Item -LiteralPath $license -Destination $staging }

$repository = "MaasImagesPack$([guid]::NewGuid().ToString('n'))"
$savedXdg = $env:XDG_DATA_HOME
try {
    if (-not $IsWindows) {
        # PSResourceGet keeps its repository list under LocalApplicationData, which honours XDG_DATA_HOME.
        # The store is read once per process: this only isolates it if PSResourceGet is not loaded yet.
        if (-not (Get-Module Microsoft.PowerShell.PSResourceGet)) {
            $env:XDG_DATA_HOME = Join-Path $WorkPath 'xdg'
            New-Item -ItemType Directory -Force -Path $env:XDG_DATA_HOME | Out-Null
        }
    }
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    Register-PSResourceRepository -Name $repository -Uri $OutputPath -Trusted
    Publish-PSResource -Path $staging -Repository $repository
}
finally {
    Unregister-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue
    $env:XDG_DATA_HOME = $savedXdg
    Remove-Item -LiteralPath $WorkPath -Recurse -Force -ErrorAction SilentlyContinue
}

$package = Get-Item -LiteralPath $existing -ErrorAction SilentlyContinue
if (-not $package) { throw "Publish-PSResource did not write $existing." }
$package.FullName
