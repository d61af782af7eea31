#Requires -Version 7.4
# What is inside an image, end to end in real pwsh over the Kestrel test server: the packages of an
# image version, Debian version order in the pipeline, and what changed between two versions.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
    $script:Stream = Get-MaasStream -Source $Server.Url
    $script:Cache = Join-Path $TestDrive 'manifests'
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Get-MaasImageManifest' {
    It 'lists the packages of the newest image version, filtered by name with wildcards' {
        $packages = $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-24.04 -Latest |
            Get-MaasImageManifest -Name libssl*, openssh* -CachePath $Cache
        $packages.Name | Should -Be @('libssl3t64', 'openssh-server')
        $packages[0].Version.ToString() | Should -Be '3.0.13-0ubuntu3.6'
        $packages[0].VersionName | Should -Be '20250718'
        $packages[1].Version.Epoch | Should -Be 1
        @(Get-ChildItem -File $Cache).Count | Should -Be 1
    }

    It 'sorts and compares versions in Debian order, also against a string' {
        $file = Join-Path $TestDrive 'order.manifest'
        Set-Content -LiteralPath $file -Value "a-pkg`t1.0", "b-pkg`t1.0~rc1", "c-pkg`t1:0.9", "d-pkg`t0.10", "e-pkg`t1.0-1ubuntu1"
        $sorted = Get-MaasImageManifest -LiteralPath $file | Sort-Object Version
        $sorted.Name | Should -Be @('d-pkg', 'b-pkg', 'a-pkg', 'e-pkg', 'c-pkg')
        (Get-MaasImageManifest -LiteralPath $file | Where-Object Version -lt '1.0').Name | Should -Be @('b-pkg', 'd-pkg')
        (Get-MaasImageManifest -LiteralPath $file -Name c-pkg).Version -gt (Get-MaasImageManifest -LiteralPath $file -Name e-pkg).Version | Should -BeTrue
        $version = (Get-MaasImageManifest -LiteralPath $file -Name a-pkg).Version
        { $version -lt 'not a version' } | Should -Throw '*is not a Debian version*'
    }

    It 'warns about a malformed line with its number and goes on' {
        $file = Join-Path $TestDrive 'broken.manifest'
        Set-Content -LiteralPath $file -Value "good`t1.0", 'no tab here', "also-good:amd64`t2.0"
        $packages = Get-MaasImageManifest -LiteralPath $file -WarningVariable warnings -WarningAction SilentlyContinue
        $packages.QualifiedName | Should -Be @('good', 'also-good:amd64')
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -Match 'line 2:'
    }
}

Describe 'Compare-MaasImageManifest' {
    It 'shows what changed between the two sample versions, with an arrow between versions' {
        $previous, $newest = $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-24.04 -MaxVersions 2
        $changes = Compare-MaasImageManifest $previous $newest -CachePath $Cache
        ($changes | Where-Object Name -eq systemd).Change | Should -Be 'Upgraded'
        ($changes | Where-Object Name -eq ifupdown).Change | Should -Be 'Removed'
        ($changes | Where-Object Name -eq nvme-cli).Change | Should -Be 'Added'
        $changes.Change | Sort-Object -Unique | Should -Be @('Added', 'Removed', 'Upgraded')
        $table = $changes | Where-Object Name -eq systemd | Format-Table | Out-String -Width 200
        $table | Should -Match 'Upgraded\s+systemd\s+255\.4-1ubuntu8\.8 → 255\.4-1ubuntu8\.10'
    }

    It 'refuses an input it cannot read as a manifest, with a stable id' {
        { Compare-MaasImageManifest 1 2 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidManifestInput*'
    }
}
