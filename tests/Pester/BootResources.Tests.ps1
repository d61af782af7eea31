#Requires -Version 7.4
# The operator's cycle end to end in real pwsh: save, list what is saved, compare with upstream and
# save only the updates, verify offline and repair; on a mirror, over the Kestrel test server.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
    $script:Stream = Get-MaasStream -Source $Server.Url
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Get-, Compare- and Test-MaasBootResource on a mirror' {
    BeforeAll {
        $script:mirror = Join-Path $TestDrive 'mirror'
        $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -VersionName 20250701 | Save-MaasImage -Path $mirror -Layout Mirror
    }

    It 'lists what was saved, with the property names of MaasImageVersion' {
        $saved = Get-MaasBootResource $mirror
        $saved | Should -HaveCount 2
        $saved.VersionName | Sort-Object -Unique | Should -Be '20250701'
        $upstream = $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -VersionName 20250701
        Compare-Object $saved $upstream -Property ProductName, VersionName, Os, Release, Arch, Subarch, Kflavor, Label, ContentId | Should -BeNullOrEmpty
    }

    It 'compares with upstream and pipes only the updates into Save-MaasImage' {
        $before = $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Latest | Compare-MaasBootResource -Path $mirror
        $before.Status | Sort-Object -Unique | Should -Be 'UpdateAvailable'
        $saved = $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Latest | Compare-MaasBootResource -Path $mirror |
            Where-Object Status -eq UpdateAvailable | Save-MaasImage -Path $mirror -Layout Mirror -PassThru
        $saved.VersionName | Sort-Object -Unique | Should -Be '20250718'
        $after = $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Latest | Compare-MaasBootResource -Path $mirror
        $after.Status | Sort-Object -Unique | Should -Be 'UpToDate'
    }

    It 'verifies offline, finds a damaged file and repairs it' {
        Test-MaasBootResource $mirror -Quiet | Should -BeTrue
        $kernel = (Get-MaasBootResource $mirror | Select-Object -First 1).Files | Where-Object Name -eq 'boot-kernel'
        [IO.File]::WriteAllText($kernel.Path, 'damaged')
        Test-MaasBootResource $mirror -Quiet | Should -BeFalse
        (Test-MaasBootResource $mirror | Where-Object Status -ne Ok).RelativePath | Should -Be $kernel.RelativePath
        Test-MaasBootResource $mirror -Repair -Quiet | Should -BeTrue
        (Get-FileHash -LiteralPath $kernel.Path -Algorithm SHA256).Hash | Should -Be $kernel.Sha256
    }
}
