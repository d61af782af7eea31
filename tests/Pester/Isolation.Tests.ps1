#Requires -Version 7.4
# Other modules may have loaded other versions of our dependencies first. MaasImages keeps its
# engine, Polly.Core, SharpCompress and BouncyCastle in a private load context: it must still
# verify signatures and download, in a fresh pwsh where older versions were loaded before it.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
    $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $script:OldBouncyCastle = Join-Path $nuget 'bouncycastle.cryptography/2.4.0/lib/net6.0/BouncyCastle.Cryptography.dll'
    $script:OldPolly = Join-Path $nuget 'polly.core/8.4.2/lib/net8.0/Polly.Core.dll'
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Assembly isolation' {
    It 'the older conflicting versions are there to load (restored by the test project)' {
        $OldBouncyCastle | Should -Exist
        $OldPolly | Should -Exist
    }

    It 'verifies and downloads after another module loaded older BouncyCastle and Polly' {
        $dest = Join-Path $TestDrive 'isolated'
        $script = Join-Path $TestDrive 'isolated.ps1'
        Set-Content -LiteralPath $script -Value @'
param($OldBouncyCastle, $OldPolly, $Module, $Url, $Keyring, $Destination)
$ErrorActionPreference = 'Stop'
Add-Type -Path $OldBouncyCastle      # what another module would have done first
Add-Type -Path $OldPolly
Import-Module $Module
$saved = Get-MaasStream -Source $Url -Keyring $Keyring | Get-MaasImageVersion -Release noble -Arch arm64 -Subarch ga-24.04 -Latest |
    Save-MaasImage -Path $Destination -PassThru
$contexts = [AppDomain]::CurrentDomain.GetAssemblies() |
    Where-Object { $_.GetName().Name -in 'BouncyCastle.Cryptography', 'Polly.Core', 'MaasImages.Engine' } |
    ForEach-Object { '{0}@{1}@{2}' -f $_.GetName().Name, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name, $_.Location }
[pscustomobject]@{ Verified = $saved.Image.Verified; Files = $saved.Files.Count; Contexts = $contexts } | ConvertTo-Json -Compress
'@
        $output = & dotnet pwsh -NoProfile -NonInteractive -File $script -OldBouncyCastle $OldBouncyCastle -OldPolly $OldPolly `
            -Module $env:MAASIMAGES_TEST_MODULE -Url $Server.Url -Keyring $env:MAASIMAGES_TEST_SAMPLE_KEY -Destination $dest 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = @($output)[-1] | ConvertFrom-Json
        $result.Verified | Should -BeTrue
        $result.Files | Should -BeGreaterThan 0
        Join-Path $dest 'current/maas.meta' | Should -Exist
        # Both versions live side by side: the old ones in the default context, ours in MaasImages'.
        $result.Contexts | Where-Object { $_ -like 'BouncyCastle.Cryptography@Default@*2.4.0*' } | Should -Not -BeNullOrEmpty
        $result.Contexts | Where-Object { $_ -like 'BouncyCastle.Cryptography@MaasImages@*Dependencies*' } | Should -Not -BeNullOrEmpty
        $result.Contexts | Where-Object { $_ -like 'MaasImages.Engine@MaasImages@*' } | Should -Not -BeNullOrEmpty
    }
}
