#Requires -Version 7.4
# The operator's cycle after saving, end to end in real pwsh against the sample stream over HTTP:
# nightly saves that keep snapshots, an update undone with Restore-MaasBootResource, a release
# removed with Remove-MaasBootResource, a mirror trimmed with -KeepVersions.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
    $script:Stream = Get-MaasStream -Source $Server.Url
    function Get-Version([string] $Rack) {
        ((Get-Content (Join-Path $Rack 'current/maas.meta') -Raw | ConvertFrom-Json -AsHashtable).ubuntu.amd64.'ga-22.04'.generic.jammy.stable).version_name
    }
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Rack: keep, list, restore, remove' {
    BeforeAll {
        $script:rack = Join-Path $TestDrive 'boot-resources'
        $Stream | Get-MaasImageVersion -Release jammy -Arch amd64 -VersionName 20250701 | Save-MaasImage -Path $rack -KeepSnapshots 2
        $Stream | Install-MaasBootloader -Path $rack -KeepSnapshots 2
        $script:good = (Get-Item (Join-Path $rack 'current')).LinkTarget
        $Stream | Get-MaasImageVersion -Release jammy, noble -Arch amd64 -Latest | Save-MaasImage -Path $rack -KeepSnapshots 2
        $script:bad = (Get-Item (Join-Path $rack 'current')).LinkTarget
    }

    It 'keeps the previous snapshots the nightly save asked for' {
        $snapshots = Get-MaasBootSnapshot -Path $rack
        $snapshots | Should -HaveCount 3
        $snapshots[0].Name | Should -Be $bad
        $snapshots[0].IsCurrent | Should -BeTrue
        $snapshots[1].Name | Should -Be $good
        $snapshots[1].PSTypeNames | Should -Contain 'MaasImages.Engine.Inventory.MaasBootSnapshot'
        Get-Version $rack | Should -Be '20250718'
    }

    It 'undoes the update with Restore-MaasBootResource -Previous: maas.meta, images and root links of the restored snapshot' {
        $restored = Restore-MaasBootResource -Path $rack -Previous -PassThru
        $restored.Name | Should -Be $good
        (Get-Item (Join-Path $rack 'current')).LinkTarget | Should -Be $good
        Get-Version $rack | Should -Be '20250701'
        Join-Path $rack 'current/ubuntu/amd64/ga-24.04' | Should -Not -Exist
        (Get-Item (Join-Path $rack 'current/bootx64.efi')).LinkTarget | Should -Be 'bootloader/uefi/amd64/bootx64.efi'
        Join-Path $rack 'current/bootx64.efi' | Should -Exist
        Join-Path $rack $bad | Should -Exist
    }

    It 'goes forward again through the pipeline' {
        Get-MaasBootSnapshot -Path $rack -Name $bad | Restore-MaasBootResource
        (Get-Item (Join-Path $rack 'current')).LinkTarget | Should -Be $bad
    }

    It 'removes one of two releases, and -WhatIf before it changes nothing' {
        Get-MaasBootResource -Path $rack -Release jammy | Remove-MaasBootResource -WhatIf
        (Get-Item (Join-Path $rack 'current')).LinkTarget | Should -Be $bad
        $removed = Get-MaasBootResource -Path $rack -Release jammy | Remove-MaasBootResource -Confirm:$false -PassThru -KeepSnapshots 1
        $removed | Should -HaveCount 3
        @(Get-MaasBootResource -Path $rack -Type Image | Where-Object Release -EQ jammy) | Should -HaveCount 0
        @(Get-MaasBootResource -Path $rack -Type Image | Where-Object Release -EQ noble) | Should -HaveCount 2
        Join-Path $rack 'current/ubuntu/amd64/ga-22.04' | Should -Not -Exist
        Join-Path $rack 'current/bootx64.efi' | Should -Exist
        Get-MaasBootSnapshot -Path $rack | Should -HaveCount 2
    }
}

Describe 'Mirror: -KeepVersions' {
    It 'keeps the newest version of each product and the mirror still reads as a stream' {
        $mirror = Join-Path $TestDrive 'mirror'
        $Stream | Get-MaasImageVersion -Release noble -Arch arm64 -VersionName 20250701 | Save-MaasImage -Path $mirror -Layout Mirror
        $Stream | Get-MaasImageVersion -Release noble -Arch arm64 -VersionName 20250718 | Save-MaasImage -Path $mirror -Layout Mirror -KeepVersions 1
        Join-Path $mirror 'noble/arm64/20250701' | Should -Not -Exist
        Join-Path $mirror 'noble/arm64/20250718/squashfs' | Should -Exist
        $read = Get-MaasImageVersion -Source $mirror -Release noble -Arch arm64 -Latest
        $read | Should -HaveCount 2
        $read.VersionName | Sort-Object -Unique | Should -Be '20250718'
    }
}

Describe 'Kill -9 during Remove-MaasBootResource, then run it again' {
    BeforeAll {
        $script:removeScript = 'Import-Module $env:MAASIMAGES_TEST_MODULE; Remove-MaasBootResource -Path $env:KILLTEST_DEST -Release jammy -Confirm:$false'
    }

    It 'at <Point>: current still serves the whole tree it served, and the next run removes the release with no debris' -ForEach @(
        @{ Point = 'build' }, @{ Point = 'switch' }, @{ Point = 'current-link' }
    ) {
        $rack = Join-Path $TestDrive "kill-$Point"
        $Stream | Get-MaasImageVersion -Release jammy, noble -Arch amd64 -Latest | Save-MaasImage -Path $rack
        $before = (Get-Item (Join-Path $rack 'current')).LinkTarget
        $meta = Get-Content (Join-Path $rack 'current/maas.meta') -Raw
        Stop-ChildPwshAt -Point $Point -Script $removeScript -PauseRoot $TestDrive -Environment @{ KILLTEST_DEST = $rack }
        (Get-Item (Join-Path $rack 'current')).LinkTarget | Should -Be $before
        Get-Content (Join-Path $rack 'current/maas.meta') -Raw | Should -Be $meta
        @(Get-MaasBootResource -Path $rack -Release jammy) | Should -HaveCount 3

        Remove-MaasBootResource -Path $rack -Release jammy -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Where-Object { "$_" -match 'restored' } | Should -BeNullOrEmpty -Because 'a snapshot the killed run left is no restore'
        @(Get-MaasBootResource -Path $rack -Release jammy) | Should -HaveCount 0
        @(Get-MaasBootResource -Path $rack -Release noble) | Should -HaveCount 2
        Get-ChildItem -LiteralPath $rack -Force -Name | Where-Object { $_ -like '.building-*' -or $_ -like '.deleting-*' -or $_ -like '.current-*' } |
            Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath $rack -Directory -Filter 'snapshot-*').Count | Should -Be 1
        Get-MaasBootResource -Path $rack | ForEach-Object { $_.Files | ForEach-Object { $_.Exists | Should -BeTrue } }
    }
}
