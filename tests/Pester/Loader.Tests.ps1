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
    # The listing parsed JSON: which System.Text.Json copies are loaded, in which context, from where.
    Json = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'System.Text.Json' } |
        ForEach-Object { '{0}@{1}' -f [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name, $_.Location })
    RuntimeFolder = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
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

    It 'shares the framework''s System.Text.Json when it is as new as the private copy in Dependencies/' {
        # The private copy (System.Text.Json 10 for .NET 8) is in the module; the .NET 10 runtime's own
        # copy is the same version, precompiled for this runtime: that one is used, and loaded once.
        Join-Path $ModuleFolder 'Dependencies/System.Text.Json.dll' | Should -Exist
        $run = Invoke-ChildImport $env:MAASIMAGES_TEST_MODULE
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $result = $run.Last | ConvertFrom-Json
        $result.Json | Should -HaveCount 1
        $result.Json[0] | Should -Be "Default@$(Join-Path $result.RuntimeFolder 'System.Text.Json.dll')"
    }

    It 'keeps a private copy when the framework has none, or an older one' {
        $script = Join-Path $TestDrive 'rule.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Manifest)
Import-Module $Manifest
$loader = [MaasImages.Loader.DependencyLoadContext]
$framework = [System.Text.Json.JsonSerializer].Assembly.GetName().Version
@(
    $loader::FrameworkProvides([Reflection.AssemblyName]"System.Text.Json, Version=$framework")
    $loader::FrameworkProvides([Reflection.AssemblyName]"System.Text.Json, Version=$($framework.Major + 1).0.0.0")
    $loader::FrameworkProvides([Reflection.AssemblyName]'Polly.Core, Version=8.0.0.0')
    # PowerShell's own assemblies are the host's, not the framework's: never taken in place of a private copy.
    $loader::FrameworkProvides([Reflection.AssemblyName]'System.Management.Automation, Version=1.0.0.0')
) -join ','
'@
        $rule = & dotnet pwsh -NoProfile -NonInteractive -File $script -Manifest $env:MAASIMAGES_TEST_MODULE 2>&1
        "$(@($rule)[-1])" | Should -Be 'True,False,False,False' -Because ($rule -join "`n")
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
