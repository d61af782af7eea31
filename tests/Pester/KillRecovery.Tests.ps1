#Requires -Version 7.4
# Kill -9 at named points of a real Save-MaasImage in a child pwsh, then run again: `current`
# always points at a complete snapshot (or is absent if none was ever made), the next run finishes
# the job (resuming partials) and leaves no debris. The child pauses through the engine's test-only
# hook (MAASIMAGES_TEST_PAUSE_AT / MAASIMAGES_TEST_PAUSE_DIR): it writes a marker with its pid and
# blocks, and this test kills that pid with SIGKILL.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
    $script:Stream = Get-MaasStream -Source $Server.Url

    function Add-Fault([hashtable] $Rule) {
        Invoke-RestMethod -Method Post -Uri "$($Server.Url)_control/faults" -Body ($Rule | ConvertTo-Json) -ContentType 'application/json' | Out-Null
    }
    function Clear-Fault { Invoke-RestMethod -Method Delete -Uri "$($Server.Url)_control/faults" | Out-Null }
    function Reset-Stats { Invoke-RestMethod -Method Post -Uri "$($Server.Url)_control/reset" | Out-Null }
    function Get-Requests { (Invoke-RestMethod -Uri "$($Server.Url)_control/stats").requests }

    # Runs Save-MaasImage in a child pwsh until it reaches $Point, then kills it with SIGKILL.
    function Stop-SaveAt([string] $Point, [string] $Destination, [string[]] $Release) {
        $script = 'Import-Module $env:MAASIMAGES_TEST_MODULE; Get-MaasStream -Source $env:KILLTEST_URL | ' +
            'Get-MaasImageVersion -Release ($env:KILLTEST_RELEASE -split ",") -Arch amd64 -Latest | Save-MaasImage -Path $env:KILLTEST_DEST'
        Stop-ChildPwshAt -Point $Point -Script $script -PauseRoot $TestDrive -Environment @{
            KILLTEST_URL = $Server.Url; KILLTEST_DEST = $Destination; KILLTEST_RELEASE = $Release -join ','
        }
    }

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }

    # current resolves to a whole snapshot: maas.meta, and every file it records is there with the bytes of its cache name.
    function Assert-CompleteCurrent([string] $Destination, [string[]] $Release) {
        $current = Join-Path $Destination 'current'
        $target = (Get-Item -LiteralPath $current).LinkTarget
        $target | Should -Match '^snapshot-\d{8}-\d{6}(-\d+)?$'
        $meta = Get-Content -LiteralPath (Join-Path $current 'maas.meta') -Raw | ConvertFrom-Json -AsHashtable
        foreach ($name in $Release) { $meta.ubuntu.amd64.generic.generic.Keys | Should -Contain $name }
        $refs = Get-Content -LiteralPath (Join-Path $Destination ".maasimages-refs/$target.json") -Raw | ConvertFrom-Json -AsHashtable
        $refs.Files.Count | Should -BeGreaterThan 0
        foreach ($file in $refs.Files.GetEnumerator()) {
            Get-Sha256 (Join-Path $current $file.Key) | Should -Be $file.Value
        }
    }

    function Assert-NoDebris([string] $Destination) {
        Get-ChildItem -LiteralPath $Destination -Force -Name | Where-Object { $_ -like '.building-*' -or $_ -like '.deleting-*' -or $_ -like '.current-*' } |
            Should -BeNullOrEmpty
        Get-ChildItem -LiteralPath $Destination -Force -Recurse -Name |
            Where-Object { $_ -like '*.placing' -or $_ -like '*.partial' -or $_ -like '*.partial.json' -or $_ -like '*.tmp' -or $_ -like '*.extracting-*' } |
            Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath $Destination -Directory -Filter 'snapshot-*').Count | Should -Be 1
        Get-Content -LiteralPath (Join-Path $Destination '.maasimages.lock') -Raw | Should -BeNullOrEmpty
    }
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Kill -9 during a first Save-MaasImage, at every stage, then run again' {
    BeforeAll {
        $script:dest = Join-Path $TestDrive 'first'
        Clear-Fault
    }
    AfterAll { Clear-Fault }

    It 'mid-download: no current, the partial stays' {
        Add-Fault @{ path = '*squashfs'; kind = 'Stall'; bytes = 5000; durationMs = 600000; count = -1 } # a partial of 5000 bytes, for as long as it takes
        Stop-SaveAt 'download' $dest 'noble'
        Clear-Fault
        Join-Path $dest 'current' | Should -Not -Exist
        @(Get-ChildItem -LiteralPath (Join-Path $dest 'cache') -Filter '*.partial').Count | Should -BeGreaterThan 0
        # The lock the killed run held is free again; its record names a dead process.
        Get-Content -LiteralPath (Join-Path $dest '.maasimages.lock') -Raw | Should -Match '^pid \d+ on '
    }

    It 'while hashing the resumed partial: no current, the partial stays' {
        Stop-SaveAt 'resume-hash' $dest 'noble'
        Join-Path $dest 'current' | Should -Not -Exist
        @(Get-ChildItem -LiteralPath (Join-Path $dest 'cache') -Filter '*.partial').Count | Should -BeGreaterThan 0
    }

    It 'while building the snapshot: the partial was resumed, no current' {
        Reset-Stats
        Stop-SaveAt 'build' $dest 'noble'
        Join-Path $dest 'current' | Should -Not -Exist
        @(Get-ChildItem -LiteralPath $dest -Force -Directory -Filter '.building-*').Count | Should -Be 1
        # Which files had partials depends on which thread reached the pause first; at least one had, and it was resumed.
        Get-Requests | Where-Object { $_.range -match '^bytes=[1-9]\d*-$' -and $_.status -eq 206 } | Should -Not -BeNullOrEmpty
    }

    It 'between the new snapshot and the current switch: still no current' {
        Stop-SaveAt 'switch' $dest 'noble'
        Join-Path $dest 'current' | Should -Not -Exist
    }

    It 'with the temporary current link made but not renamed: still no current' {
        Stop-SaveAt 'current-link' $dest 'noble'
        Join-Path $dest 'current' | Should -Not -Exist
        @(Get-ChildItem -LiteralPath $dest -Force -Filter '.current-*').Count | Should -Be 1
    }

    It 'the next run finishes the job and leaves no debris' {
        Reset-Stats
        Get-MaasStream -Source $Server.Url | Get-MaasImageVersion -Release noble -Arch amd64 -Latest | Save-MaasImage -Path $dest
        Assert-CompleteCurrent $dest 'noble'
        Assert-NoDebris $dest
        # Every file was downloaded by the killed runs already: only metadata this time.
        Get-Requests | Where-Object path -NotLike '*streams/*' | Should -BeNullOrEmpty
    }
}

Describe 'Kill -9 while a later Save-MaasImage cleans up, then a run with nothing new' {
    BeforeAll {
        $script:dest = Join-Path $TestDrive 'later'
        Get-MaasStream -Source $Server.Url | Get-MaasImageVersion -Release jammy -Arch amd64 -Latest | Save-MaasImage -Path $dest
        $script:before = (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget
    }

    It 'with the temporary current link made: current still points at the complete old snapshot' {
        Stop-SaveAt 'current-link' $dest 'jammy', 'noble'
        (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget | Should -Be $before
        Assert-CompleteCurrent $dest 'jammy'
    }

    It 'during cleanup: current points at the complete new snapshot' {
        Stop-SaveAt 'cleanup' $dest 'jammy', 'noble'
        (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget | Should -Not -Be $before
        Assert-CompleteCurrent $dest 'jammy', 'noble'
        @(Get-ChildItem -LiteralPath $dest -Force -Directory -Filter '.deleting-*').Count | Should -Be 1
    }

    It 'a run that finds nothing new removes the half-deleted old snapshot and every leftover' {
        $switched = (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget
        Reset-Stats
        $verbose = Get-MaasStream -Source $Server.Url | Get-MaasImageVersion -Release jammy, noble -Arch amd64 -Latest |
            Save-MaasImage -Path $dest -Verbose 4>&1
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "Nothing changed: 'current' stays on $switched."
        (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget | Should -Be $switched
        Assert-CompleteCurrent $dest 'jammy', 'noble'
        Assert-NoDebris $dest
        Get-Requests | Where-Object path -NotLike '*streams/*' | Should -BeNullOrEmpty
    }
}

Describe 'Kill -9 in the middle of deleting an old snapshot, then a run with nothing new' {
    BeforeAll {
        $script:dest = Join-Path $TestDrive 'mid-delete'
        Get-MaasStream -Source $Server.Url | Get-MaasImageVersion -Release jammy -Arch amd64 -Latest | Save-MaasImage -Path $dest
        $script:before = (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget
        $script:entriesBefore = @(Get-ChildItem -LiteralPath (Join-Path $dest $before) -Recurse -Force).Count
    }

    It 'some of the old snapshot is gone, the rest is under .deleting-*, current points at the complete new snapshot' {
        Stop-SaveAt 'cleanup-delete' $dest 'jammy', 'noble'
        (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget | Should -Not -Be $before
        Assert-CompleteCurrent $dest 'jammy', 'noble'
        Join-Path $dest $before | Should -Not -Exist
        $deleting = @(Get-ChildItem -LiteralPath $dest -Force -Directory -Filter '.deleting-*')
        $deleting.Count | Should -Be 1
        $left = @(Get-ChildItem -LiteralPath $deleting[0].FullName -Recurse -Force).Count
        $left | Should -BeGreaterThan 0
        $left | Should -BeLessThan $entriesBefore
    }

    It 'a run that finds nothing new finishes the cleanup' {
        $switched = (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget
        Reset-Stats
        $verbose = Get-MaasStream -Source $Server.Url | Get-MaasImageVersion -Release jammy, noble -Arch amd64 -Latest |
            Save-MaasImage -Path $dest -Verbose 4>&1
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "Nothing changed: 'current' stays on $switched."
        (Get-Item -LiteralPath (Join-Path $dest 'current')).LinkTarget | Should -Be $switched
        Assert-CompleteCurrent $dest 'jammy', 'noble'
        Assert-NoDebris $dest
        Get-Requests | Where-Object path -NotLike '*streams/*' | Should -BeNullOrEmpty
    }
}
