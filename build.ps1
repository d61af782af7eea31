#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks the MaasImages module.
.DESCRIPTION
    -Task Build  compiles and lays out an importable module folder in out/MaasImages.
    -Task Test   builds, then runs every suite (xunit engine tests, xunit in-process cmdlet tests,
                 Pester end to end in a child pwsh) and prints "N passed, N failed, N skipped" last.
    -Task Demo   builds, then runs the main job against the bundled sample stream.
    -Task Bench  builds, then runs the benchmarks in tools/Bench.ps1 and prints ratios.
    -Task Package builds, then packs out/MaasImages into out/packages/MaasImages.<version>.nupkg
                 (PowerShell Gallery format, via PSResourceGet in a child pwsh).
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Demo only: a stream root or URL to read instead of the bundled sample stream.
    [string] $Source,

    # Demo only: where the demo writes.
    [string] $Destination = (Join-Path $PSScriptRoot 'out/demo')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'MaasImages'
$Solution = Join-Path $Root 'MaasImages.PowerShell.sln'

function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments)
    & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Initialize-ReadyToRunFolder {
    param([string] $Project, [string] $Rid, [string] $RuntimeVersion)
    # The SDK reuses the ReadyToRun images in obj/ even when they were compiled for another runtime
    # version: start that folder afresh whenever the runtime version changes.
    $folder = Join-Path $Root "src/$Project/obj/$Configuration/net8.0/$Rid/R2R"
    $stamp = Join-Path $folder 'runtime-version.txt'
    if ((Test-Path $stamp) -and (Get-Content -LiteralPath $stamp -Raw).Trim() -eq $RuntimeVersion) { return }
    if (Test-Path $folder) { Remove-Item $folder -Recurse -Force }
    New-Item -ItemType Directory -Path $folder -Force | Out-Null
    Set-Content -LiteralPath $stamp -Value $RuntimeVersion
}

# The ReadyToRun format version of a file (0 when it holds IL only).
function Get-ReadyToRunMajorVersion([string] $Path) {
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    $pe = [System.Reflection.PortableExecutable.PEReader]::new([System.IO.MemoryStream]::new($bytes))
    try {
        $directory = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory
        $offset = 0
        if ($directory.Size -eq 0 -or -not $pe.PEHeaders.TryGetDirectoryOffset($directory, [ref] $offset)) { return 0 }
        # READYTORUN_HEADER: uint Signature ('RTR'), ushort MajorVersion, ushort MinorVersion.
        if ([BitConverter]::ToUInt32($bytes, $offset) -ne 0x00525452) { return 0 }
        [int] [BitConverter]::ToUInt16($bytes, $offset + 4)
    }
    finally { $pe.Dispose() }
}

# Native code the running .NET would refuse is worse than none (the build would look done): the
# engine's ReadyToRun format must be the one of this runtime's own CoreLib.
function Assert-ReadyToRunFormat([string] $Path) {
    $expected = Get-ReadyToRunMajorVersion ([object].Assembly.Location)
    $actual = Get-ReadyToRunMajorVersion $Path
    if ($actual -ne $expected) {
        throw "ReadyToRun: '$Path' has format $actual, but this .NET ($([Environment]::Version)) uses format $expected, so it would JIT-compile everything."
    }
}

function Invoke-Build {
    Write-Host "==> Building ($Configuration)"
    Invoke-Native dotnet @('build', $Solution, '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:NoSummary;ErrorsOnly')

    # An importable module folder: manifest, our assemblies (ReadyToRun for this platform, so the
    # first call does not pay for JIT; the IL inside still runs anywhere), formats, the sample stream.
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    # The IL targets net8.0 (PowerShell 7.4 loads it), but a runtime only uses ReadyToRun code of
    # its own major version: code from net8's crossgen2 is ignored by PowerShell 7.6's .NET 10,
    # which then JIT-compiles everything. So the native code is compiled for the runtime this
    # PowerShell runs on (the SDK then picks that version's crossgen2 and runtime pack); on another
    # major version the same files still run, as IL.
    $runtimeVersion = [Environment]::Version.ToString(3)
    Initialize-ReadyToRunFolder -Project 'MaasImages.PowerShell' -Rid $rid -RuntimeVersion $runtimeVersion
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/MaasImages.PowerShell/MaasImages.PowerShell.csproj'), '-c', $Configuration,
        '-r', $rid, '--self-contained', 'false', '-p:PublishReadyToRun=true', "-p:RuntimeFrameworkVersion=$runtimeVersion",
        '-o', $ModuleOut, '--nologo', '-v', 'quiet', '-clp:NoSummary;ErrorsOnly')
    Assert-ReadyToRunFormat -Path (Join-Path $ModuleOut 'MaasImages.Engine.dll')
    Copy-Item (Join-Path $Root 'MaasImages.psd1') $ModuleOut
    # The engine and its third-party assemblies go to Dependencies/: MaasImages.Loader loads them
    # in a private context, so other modules' versions of Polly/SharpCompress/BouncyCastle cannot clash.
    $dependencies = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'Dependencies')
    Get-ChildItem $ModuleOut -File | Where-Object {
        $_.Extension -in '.dll', '.pdb' -and $_.BaseName -notin 'MaasImages.PowerShell', 'MaasImages.Loader'
    } | Move-Item -Destination $dependencies
    $samples = Join-Path $ModuleOut 'samples'
    New-Item -ItemType Directory -Path $samples | Out-Null
    Copy-Item (Join-Path $Root 'samples/stream') $samples -Recurse
    Copy-Item (Join-Path $Root 'samples/keys') $samples -Recurse
    # Help: docs/en-US/*.md (platyPS style) -> en-US/MaasImages.PowerShell.dll-Help.xml + about_*.help.txt.
    Invoke-Native dotnet @((Join-Path $Root "tools/HelpBuilder/bin/$Configuration/net10.0/HelpBuilder.dll"), (Join-Path $Root 'docs/en-US'), (Join-Path $ModuleOut 'en-US'))
    Write-Host "    module: $ModuleOut"
}

function Get-TrxCounts([string] $TrxPath) {
    [xml] $trx = Get-Content -LiteralPath $TrxPath -Raw
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int] $counters.passed
        Failed  = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        # Skipped tests are not executed; TRX leaves notExecuted at 0 for them.
        Skipped = [int] $counters.total - [int] $counters.executed
    }
}

# Azurite (Microsoft's Azure Storage emulator) for the Publish-MaasMirror tests, from the lock file
# in tests/Azurite into out/azurite. Without node/npm the tests that need it are skipped, visibly.
function Install-Azurite {
    $lock = Join-Path $Root 'tests/Azurite/package-lock.json'
    $target = Join-Path $Out 'azurite'
    if (-not (Get-Command node -ErrorAction SilentlyContinue) -or -not (Get-Command npm -ErrorAction SilentlyContinue)) {
        Write-Host '==> Azurite: node/npm not found, the Azure Blob publishing tests will be skipped'
        return
    }
    $installed = Join-Path $target 'package-lock.json'
    if ((Test-Path (Join-Path $target 'node_modules/azurite')) -and (Test-Path $installed) -and
        (Get-FileHash $installed).Hash -eq (Get-FileHash $lock).Hash) { return }
    Write-Host '==> Azurite: npm ci (tests/Azurite/package-lock.json)'
    New-Item -ItemType Directory -Path $target -Force | Out-Null
    Copy-Item (Join-Path $Root 'tests/Azurite/package.json'), $lock $target
    Push-Location $target
    # A registry that cannot be reached must not turn the suite red: the publishing tests then skip, visibly.
    try { Invoke-Native npm @('ci', '--no-audit', '--no-fund', '--loglevel=error') }
    catch {
        Write-Warning "Azurite: npm ci failed ($($_.Exception.Message)); the Azure Blob publishing tests will be skipped"
        Remove-Item -LiteralPath (Join-Path $target 'node_modules') -Recurse -Force -ErrorAction SilentlyContinue
    }
    finally { Pop-Location }
}

function Invoke-Test {
    Invoke-Build
    Install-Azurite
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results | Out-Null

    $suites = [System.Collections.Generic.List[object]]::new()
    foreach ($project in 'MaasImages.Engine.Tests', 'MaasImages.PowerShell.Tests') {
        Write-Host "==> xunit: $project"
        $trx = "$project.trx"
        & dotnet test (Join-Path $Root "tests/$project/$project.csproj") -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' --results-directory $results
        $trxPath = Join-Path $results $trx
        if (-not (Test-Path $trxPath)) { throw "$project produced no test results (exit code $LASTEXITCODE)." }
        $counts = Get-TrxCounts $trxPath
        $suites.Add([pscustomobject]@{ Suite = $project; Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped })
    }

    Write-Host '==> Pester (child pwsh)'
    $pesterResult = Join-Path $results 'pester.json'
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1') `
        -ModulePath (Join-Path $ModuleOut 'MaasImages.psd1') -ResultPath $pesterResult -Configuration $Configuration
    if (-not (Test-Path $pesterResult)) { throw "Pester produced no result file (exit code $LASTEXITCODE)." }
    $pester = Get-Content $pesterResult -Raw | ConvertFrom-Json
    $suites.Add([pscustomobject]@{ Suite = 'Pester'; Passed = [int] $pester.Passed; Failed = [int] $pester.Failed; Skipped = [int] $pester.Skipped })

    $suites | Format-Table -AutoSize | Out-String | Write-Host
    $passed = ($suites | Measure-Object Passed -Sum).Sum
    $failed = ($suites | Measure-Object Failed -Sum).Sum
    $skipped = ($suites | Measure-Object Skipped -Sum).Sum
    if ($passed -eq 0) { $failed++ ; Write-Host 'No test ran: counting that as a failure.' }
    # The closing line CI reads: keep it last.
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Package' {
        Invoke-Build
        Write-Host '==> Packaging (PSResourceGet, child pwsh)'
        # A child pwsh: PSResourceGet then keeps its temporary repository in a private store.
        Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tools/New-ModulePackage.ps1'),
            '-ModulePath', $ModuleOut, '-OutputPath', (Join-Path $Out 'packages'))
    }
    'Test' { Invoke-Test }
    'Demo' {
        Invoke-Build
        $demoArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tools/Demo.ps1'),
            '-ModulePath', (Join-Path $ModuleOut 'MaasImages.psd1'), '-Destination', $Destination)
        if ($Source) { $demoArgs += @('-Source', $Source) }
        Invoke-Native dotnet (@('pwsh') + $demoArgs)
    }
    'Bench' {
        Invoke-Build
        Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tools/Bench.ps1'),
            '-ModulePath', (Join-Path $ModuleOut 'MaasImages.psd1'), '-WorkFolder', (Join-Path $Out 'bench'))
        Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tools/Bench-Download.ps1'), '-ModulePath', (Join-Path $ModuleOut 'MaasImages.psd1'), '-WorkFolder', (Join-Path $Out 'bench-download'))
    }
}
