#Requires -Version 7.4
# Save-MaasImage end to end in real pwsh: the sample stream over HTTP (Kestrel test server with
# faults driven through its control API), rack and mirror layouts on real files and symlinks.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
    $script:Stream = Get-MaasStream -Source $Server.Url

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    function Add-Fault([hashtable] $Rule) {
        Invoke-RestMethod -Method Post -Uri "$($Server.Url)_control/faults" -Body ($Rule | ConvertTo-Json) -ContentType 'application/json' | Out-Null
    }
    function Clear-Fault { Invoke-RestMethod -Method Delete -Uri "$($Server.Url)_control/faults" | Out-Null }
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Save-MaasImage -Layout Rack' {
    BeforeAll {
        $script:rack = Join-Path $TestDrive 'boot-resources'
        $script:selection = $Stream | Get-MaasImageVersion -Release jammy -Arch amd64 -Latest
        $script:saved = $selection | Save-MaasImage -Path $rack -PassThru
    }

    It 'emits one MaasSavedImage per image with its local files' {
        $saved | Should -HaveCount 3
        $saved[0].GetType().FullName | Should -Be 'MaasImages.Engine.Layout.MaasSavedImage'
        $saved | ForEach-Object { $_.Files | ForEach-Object { $_ | Should -Exist } }
        ($saved | Measure-Object BytesDownloaded -Sum).Sum | Should -BeGreaterThan 0
    }

    It 'switches current, a relative symlink, to the new snapshot' {
        $current = Get-Item (Join-Path $rack 'current')
        $current.LinkType | Should -Be 'SymbolicLink'
        $current.LinkTarget | Should -Match '^snapshot-\d{8}-\d{6}$'
    }

    It 'places kernels, initrds and squashfs like a rack controller, with the generic alias' {
        foreach ($folder in 'ga-22.04', 'hwe-22.04', 'ga-22.04-lowlatency', 'generic') {
            foreach ($name in 'boot-kernel', 'boot-initrd', 'squashfs') {
                Join-Path $rack "current/ubuntu/amd64/$folder/jammy/stable/$name" | Should -Exist
            }
        }
        $kernel = ($selection | Where-Object Subarch -EQ 'hwe-22.04').Files | Where-Object FileType -EQ 'boot-kernel'
        Get-Sha256 (Join-Path $rack 'current/ubuntu/amd64/hwe-22.04/jammy/stable/boot-kernel') | Should -Be $kernel.Sha256
    }

    It 'writes maas.meta as one line of sorted JSON' {
        $meta = Get-Content (Join-Path $rack 'current/maas.meta') -Raw
        $meta | Should -Not -Match "`n"
        $entry = ($meta | ConvertFrom-Json -AsHashtable).ubuntu.amd64.'ga-22.04'.generic.jammy.stable
        $entry.product_name | Should -Be 'com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04'
        $entry.version_name | Should -Be '20250718'
    }

    It 're-running with nothing new changes nothing' {
        $before = (Get-Item (Join-Path $rack 'current')).LinkTarget
        $again = $selection | Save-MaasImage -Path $rack -PassThru
        (Get-Item (Join-Path $rack 'current')).LinkTarget | Should -Be $before
        ($again | Measure-Object BytesDownloaded -Sum).Sum | Should -Be 0
    }

    It '-WhatIf says what would be fetched and touches nothing' {
        $fresh = Join-Path $TestDrive 'whatif'
        $out = $Stream | Get-MaasImageVersion -Release noble -Arch arm64 -Latest | Save-MaasImage -Path $fresh -WhatIf 6>&1 | Out-String
        $fresh | Should -Not -Exist
    }
}

Describe 'Save-MaasImage -Layout Mirror' {
    It 'keeps upstream paths and the metadata documents byte for byte' {
        $mirror = Join-Path $TestDrive 'mirror'
        $images = $Stream | Get-MaasImageVersion -Release noble -Latest
        $images | Save-MaasImage -Path $mirror -Layout Mirror
        foreach ($file in $images.Files) { Get-Sha256 (Join-Path $mirror $file.Path) | Should -Be $file.Sha256 }
        foreach ($doc in 'streams/v1/index.json', 'streams/v1/com.ubuntu.maas:stable:v3:download.json') {
            Get-Sha256 (Join-Path $mirror $doc) | Should -Be (Get-Sha256 (Join-Path $env:MAASIMAGES_TEST_SAMPLE $doc))
        }
        # and it is a stream MAAS (and we) can read
        (Get-MaasImageVersion -Source $mirror -Release noble -Latest) | Should -HaveCount $images.Count
    }
}

Describe 'Faults end in a verified tree or a clear error' {
    AfterEach { Clear-Fault }

    It 'a dropped connection is resumed and the file verifies' {
        Add-Fault @{ path = '*squashfs'; kind = 'DropAfter'; bytes = 10000; count = 1 }
        $dest = Join-Path $TestDrive 'drop'
        $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-24.04 -Latest |
            Save-MaasImage -Path $dest -RetryIntervalSec 0 -Layout Mirror
        $file = ($Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-24.04 -Latest).Files | Where-Object FileType -EQ 'squashfs'
        Get-Sha256 (Join-Path $dest $file.Path) | Should -Be $file.Sha256
    }

    It 'corruption twice is ChecksumMismatch and no file reaches its final path' {
        Add-Fault @{ path = '*boot-kernel'; kind = 'CorruptByte'; offset = 7; count = -1 }
        $dest = Join-Path $TestDrive 'corrupt'
        $image = $Stream | Get-MaasImageVersion -Release jammy -Arch arm64 -Subarch ga-22.04 -Latest
        { $image | Save-MaasImage -Path $dest -RetryIntervalSec 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ChecksumMismatch,*'
        $kernel = $image.Files | Where-Object FileType -EQ 'boot-kernel'
        Join-Path $dest "cache/$($kernel.Sha256)" | Should -Not -Exist
        Join-Path $dest 'current' | Should -Not -Exist
    }

    It 'a 404 is DownloadFailed, not retried for ever' {
        Add-Fault @{ path = '*boot-initrd'; kind = 'Status'; status = 404; count = -1 }
        $dest = Join-Path $TestDrive 'missing'
        { $Stream | Get-MaasImageVersion -Release jammy -Arch arm64 -Subarch hwe-22.04 -Latest | Save-MaasImage -Path $dest -ErrorAction Stop } |
            Should -Throw -ErrorId 'DownloadFailed,*'
    }

    It 'a destination held by another run is DestinationLocked after the timeout' {
        $dest = Join-Path $TestDrive 'locked'
        New-Item -ItemType Directory $dest | Out-Null
        $lock = [System.IO.File]::Open((Join-Path $dest '.maasimages.lock'), 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            { $Stream | Get-MaasImageVersion -Release noble -Arch arm64 -Latest | Save-MaasImage -Path $dest -LockTimeoutSec 1 -ErrorAction Stop -WarningAction SilentlyContinue } |
                Should -Throw -ErrorId 'DestinationLocked,*'
        }
        finally { $lock.Dispose() }
    }
}
