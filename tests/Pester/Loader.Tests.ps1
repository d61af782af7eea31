#Requires -Version 7.4
# The module imports in a fresh pwsh from the built layout (engine in Dependencies/) and from a
# flat folder (everything beside the cmdlets, like a build output folder); a folder without the
# engine stops the import with a message, never a crashed process.

BeforeAll {
    $script:ModuleFolder = Split-Path -Parent $env:MAASIMAGES_TEST_MODULE
    # The test project's output: the manifest beside every assembly (the layout that overflowed the stack).
    $configuration = Split-Path -Leaf (Split-Path -Parent (Split-Path -Parent $env:MAASIMAGES_TEST_SERVER))
    $script:TestBin = Join-Path $PSScriptRoot "../MaasImages.PowerShell.Tests/bin/$configuration/net10.0/MaasImages.psd1"

    function Invoke-ChildImport([string] $Manifest) {
        $script = Join-Path $TestDrive 'import.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Manifest, $Sample, $Keyring)
$ErrorActionPreference = 'Stop'
try { Import-Module $Manifest } catch { "import failed: $($_.Exception.Message)"; exit 1 }
$stream = Get-MaasStream -Source $Sample -Keyring $Keyring
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MaasImages.Engine' }
[pscustomobject]@{
    Products = $stream.ProductCount
    Signature = "$($stream.SignatureStatus)"
    Engines = @($engine | ForEach-Object { '{0}@{1}' -f [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name, $_.Location })
} | ConvertTo-Json -Compress
'@
        $output = & dotnet pwsh -NoProfile -NonInteractive -File $script -Manifest $Manifest -Sample $env:MAASIMAGES_TEST_SAMPLE -Keyring $env:MAASIMAGES_TEST_SAMPLE_KEY 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | ForEach-Object { "$_" }) -join "`n"; Last = "$(@($output)[-1])" }
    }

    function Copy-Module([string] $To) {
        Copy-Item -LiteralPath $ModuleFolder -Destination $To -Recurse
        Join-Path $To 'MaasImages.psd1'
    }
}

Describe 'Importing the module in a fresh pwsh' {
    It 'loads from the built layout (engine in Dependencies/, in the MaasImages context)' {
        $run = Invoke-ChildImport $env:MAASIMAGES_TEST_MODULE
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $result = $run.Last | ConvertFrom-Json
        $result.Products | Should -Be 16
        $result.Signature | Should -Be 'Verified'
        $result.Engines | Should -HaveCount 1
        $result.Engines[0] | Should -BeLike 'MaasImages@*Dependencies*MaasImages.Engine.dll'
    }

    It 'loads from a flat folder (every assembly beside the manifest)' {
        $flat = Join-Path $TestDrive 'flat'
        $manifest = Copy-Module $flat
        Get-ChildItem (Join-Path $flat 'Dependencies') -File | Move-Item -Destination $flat
        Remove-Item (Join-Path $flat 'Dependencies') -Recurse
        $run = Invoke-ChildImport $manifest
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $result = $run.Last | ConvertFrom-Json
        $result.Products | Should -Be 16
        $result.Engines | Should -HaveCount 1
        $result.Engines[0] | Should -Be "MaasImages@$(Join-Path $flat 'MaasImages.Engine.dll')"
    }

    It 'loads from the test project output folder' {
        if (-not (Test-Path -LiteralPath $TestBin)) { Set-ItResult -Skipped -Because "$TestBin is not built"; return }
        $run = Invoke-ChildImport (Resolve-Path -LiteralPath $TestBin).Path
        $run.ExitCode | Should -Be 0 -Because $run.Output
        ($run.Last | ConvertFrom-Json).Products | Should -Be 16
    }

    It 'stops the import with a message when the engine is missing' {
        $broken = Join-Path $TestDrive 'broken'
        $manifest = Copy-Module $broken
        Remove-Item (Join-Path $broken 'Dependencies/MaasImages.Engine.dll')
        $run = Invoke-ChildImport $manifest
        # An error the script reports (exit 1), not a crashed runtime (134 = SIGABRT on a stack overflow).
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Last | Should -BeLike "import failed: *MaasImages cannot load: MaasImages.Engine.dll is neither in '$(Join-Path $broken 'Dependencies')' nor in '$broken'*install the module again*"
        $run.Output | Should -Not -BeLike '*Stack overflow*'
    }
}
