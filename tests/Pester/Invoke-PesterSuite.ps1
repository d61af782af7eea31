#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester end-to-end suite in this (child) pwsh against the built module, and writes
    the counts as JSON for build.ps1 to add up.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
$nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
$pester = Join-Path $nugetRoot 'pester/5.9.1/tools/Pester.psd1'
if (-not (Test-Path $pester)) {
    throw "Pester 5.9.1 not found at ${pester}: restore the test projects first (dotnet restore downloads it)."
}
Import-Module $pester -Force

$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
# What the tests need, passed through the environment (Pester containers run in their own scope).
$env:MAASIMAGES_TEST_MODULE = (Resolve-Path $ModulePath).Path
$env:MAASIMAGES_TEST_SERVER = Join-Path $repo "tests/TestServer/bin/$Configuration/net10.0/MaasImages.TestServer.dll"
$env:MAASIMAGES_TEST_SAMPLE = Join-Path $repo 'samples/stream'
# The sample stream is signed with a throwaway key: trust it the way a user would.
$env:MAASIMAGES_TEST_SAMPLE_KEY = Join-Path $repo 'samples/keys/sample-signing-key.asc'
$env:MAASIMAGES_KEYRING = $env:MAASIMAGES_TEST_SAMPLE_KEY

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config

[ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -LiteralPath $ResultPath
