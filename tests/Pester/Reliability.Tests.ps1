#Requires -Version 7.4
# Reliability end to end: Save-MaasImage in a child pwsh against the Kestrel test server with a
# long mix of faults. A crash on a background thread would end that process with no error record;
# the exit code and the files on disk say whether the run survived and everything verified.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
    $script:Stream = Get-MaasStream -Source $Server.Url

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    function Add-Fault([hashtable] $Rule) {
        Invoke-RestMethod -Method Post -Uri "$($Server.Url)_control/faults" -Body ($Rule | ConvertTo-Json) -ContentType 'application/json' | Out-Null
    }

    # The pwsh running these tests, again: `dotnet pwsh.dll` when started by the tool shim.
    function Invoke-ChildPwsh([string] $ScriptPath, [string[]] $Arguments) {
        $host_ = [Environment]::ProcessPath
        [string[]] $argv = @('-NoProfile', '-NonInteractive', '-File', $ScriptPath) + $Arguments
        if ([IO.Path]::GetFileNameWithoutExtension($host_) -eq 'dotnet') { $argv = @(Join-Path $PSHOME 'pwsh.dll') + $argv }
        $output = & $host_ $argv 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }
}

AfterAll {
    Invoke-RestMethod -Method Delete -Uri "$($Server.Url)_control/faults" | Out-Null
    Stop-TestServer $script:Server
}

Describe 'A long fault mix through Save-MaasImage in a child pwsh' {
    It 'survives drops, stalls, 503 + Retry-After, corrupt bytes and a server ignoring Range, exits 0, and every file verifies' {
        $jammy = 'jammy/amd64/20250718'
        $noble = 'noble/amd64/20250718'
        # Throttled: the squashfs takes long enough for progress ticks to see every fault.
        Add-Fault @{ path = "$jammy/squashfs"; kind = 'Throttle'; bytesPerSecond = 60000; count = -1 }
        # A stall far longer than the stall timeout (and the speed smoothing), after 1000 bytes; the
        # resume then meets a server that ignores Range (the first IgnoreRange use is on the plain GET).
        Add-Fault @{ path = "$jammy/squashfs"; kind = 'Stall'; bytes = 1000; durationMs = 4000; count = 1 }
        Add-Fault @{ path = "$jammy/squashfs"; kind = 'IgnoreRange'; count = 2 }
        Add-Fault @{ path = "$jammy/hwe-22.04/generic/boot-initrd"; kind = 'DropAfter'; bytes = 2000; count = 2 }
        Add-Fault @{ path = "$jammy/ga-22.04/generic/boot-initrd"; kind = 'CorruptByte'; offset = 100; count = 1 }
        Add-Fault @{ path = "$jammy/ga-22.04/lowlatency/boot-initrd"; kind = 'WrongContentLength'; delta = 100; count = 1 }
        Add-Fault @{ path = "$jammy/*boot-kernel"; kind = 'Status'; status = 503; retryAfter = 1; count = 2 }
        # Mirror: a 503 first (only it applies), then a drop, then the resume.
        Add-Fault @{ path = "$noble/squashfs"; kind = 'DropAfter'; bytes = 5000; count = 1 }
        Add-Fault @{ path = "$noble/squashfs"; kind = 'Status'; status = 503; retryAfter = 1; count = 1 }
        Add-Fault @{ path = "$noble/ga-24.04/generic/boot-initrd"; kind = 'Stall'; bytes = 0; durationMs = 4000; count = 1 }
        Add-Fault @{ path = "$noble/hwe-24.04/generic/boot-kernel"; kind = 'CorruptByte'; offset = 0; count = 1 }
        Invoke-RestMethod -Method Post -Uri "$($Server.Url)_control/reset" | Out-Null

        $rack = Join-Path $TestDrive 'mix-rack'
        $mirror = Join-Path $TestDrive 'mix-mirror'
        $script = Join-Path $TestDrive 'fault-mix.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Module, $Url, $Rack, $Mirror)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'Continue'
Import-Module $Module
$stream = Get-MaasStream -Source $Url
$transfer = @{ StallTimeoutSec = 1; RetryIntervalSec = 0; MaximumRetryCount = 10; ThrottleLimit = 2 }
$stream | Get-MaasImageVersion -Release jammy -Arch amd64 -Latest | Save-MaasImage -Path $Rack @transfer
$stream | Get-MaasImageVersion -Release noble -Arch amd64 -Latest | Save-MaasImage -Path $Mirror -Layout Mirror @transfer
exit 0
'@
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $child = Invoke-ChildPwsh $script @($env:MAASIMAGES_TEST_MODULE, $Server.Url, $rack, $mirror)
        $watch.Stop()

        $child.Output | Should -Not -Match 'Unhandled exception'
        $child.ExitCode | Should -Be 0 -Because $child.Output
        # Every fault was met (only the endless throttle is left).
        $left = (Invoke-RestMethod -Uri "$($Server.Url)_control/faults") | ForEach-Object { $_ } | Where-Object remaining -NE -1
        $left | Should -BeNullOrEmpty -Because ($left | ConvertTo-Json -Compress)
        $stats = Invoke-RestMethod -Uri "$($Server.Url)_control/stats"
        $stats.requests.status | Should -Contain 503
        $stats.requests.status | Should -Contain 206

        # Rack: every file of every image verifies in the current snapshot.
        $images = $Stream | Get-MaasImageVersion -Release jammy -Arch amd64 -Latest
        $meta = Get-Content (Join-Path $rack 'current/maas.meta') -Raw | ConvertFrom-Json -AsHashtable
        foreach ($image in $images) {
            $folder = Join-Path $rack "current/ubuntu/amd64/$($image.Subarch)/jammy/stable"
            if ($image.Kflavor -eq 'lowlatency') { $folder = Join-Path $rack 'current/ubuntu/amd64/ga-22.04-lowlatency/jammy/stable' }
            foreach ($file in $image.Files | Where-Object FileType -In 'boot-kernel', 'boot-initrd', 'squashfs') {
                Get-Sha256 (Join-Path $folder $file.FileType) | Should -Be $file.Sha256
            }
        }
        $meta.ubuntu.amd64.Keys | Should -Contain 'hwe-22.04'
        Get-ChildItem $rack -Recurse -Filter '*.partial*' | Should -BeNullOrEmpty
        # Mirror: every file at its upstream path.
        foreach ($file in ($Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Latest).Files) {
            Get-Sha256 (Join-Path $mirror $file.Path) | Should -Be $file.Sha256
        }
        Get-ChildItem $mirror -Recurse -Filter '*.partial*' | Should -BeNullOrEmpty
        Write-Host "    fault mix: child pwsh ran $([int]$watch.Elapsed.TotalSeconds) s"
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 90
    }
}
