#Requires -Version 7.4
# Install-MaasBootloader and New-MaasBootLink end to end in real pwsh: the sample stream's real
# tar.xz archives over HTTP, the TFTP root as MAAS makes it, links checked with readlink, and a
# hostile archive refused.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
    $script:Stream = Get-MaasStream -Source $Server.Url

    # The root links of rack-layout.md: name → relative target.
    $script:LinkTable = [ordered]@{
        'lpxelinux.0'   = 'bootloader/pxe/i386/lpxelinux.0'
        'chain.c32'     = 'bootloader/pxe/i386/chain.c32'
        'ifcpu64.c32'   = 'bootloader/pxe/i386/ifcpu64.c32'
        'ldlinux.c32'   = 'bootloader/pxe/i386/ldlinux.c32'
        'libcom32.c32'  = 'bootloader/pxe/i386/libcom32.c32'
        'libutil.c32'   = 'bootloader/pxe/i386/libutil.c32'
        'syslinux'      = 'bootloader/pxe/i386'
        'pxelinux.0'    = 'lpxelinux.0'
        'bootx64.efi'   = 'bootloader/uefi/amd64/bootx64.efi'
        'grubx64.efi'   = 'bootloader/uefi/amd64/grubx64.efi'
        'bootaa64.efi'  = 'bootloader/uefi/arm64/bootaa64.efi'
        'grubaa64.efi'  = 'bootloader/uefi/arm64/grubaa64.efi'
        'bootppc64.bin' = 'bootloader/open-firmware/ppc64el/bootppc64.bin'
    }

    function Assert-LinkTable([string] $Folder) {
        foreach ($name in $LinkTable.Keys) {
            $link = Join-Path $Folder $name
            (& readlink $link) | Should -Be $LinkTable[$name] -Because "$name is a relative link to the table's target"
            $resolved = & readlink -f $link
            $kind = if ($name -eq 'syslinux') { 'Container' } else { 'Leaf' }
            Test-Path -LiteralPath $resolved -PathType $kind | Should -BeTrue -Because "$name resolves to a $kind inside the tree"
            $resolved | Should -BeLike "$((Resolve-Path (Join-Path $Folder '..')).Path)*"
        }
        foreach ($none in 'mmx64.efi', 'mmaa64.efi', 'menu.c32', 'vesamenu.c32') {
            Test-Path -LiteralPath (Join-Path $Folder $none) | Should -BeFalse -Because "$none gets no root link"
        }
    }
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Install-MaasBootloader -Layout Rack, then New-MaasBootLink' {
    BeforeAll {
        $script:rack = Join-Path $TestDrive 'boot-resources'
        $Stream | Get-MaasImageVersion -Release jammy -Arch amd64 -Latest | Save-MaasImage -Path $rack
        $script:installed = $Stream | Install-MaasBootloader -Path $rack -PassThru
        $script:current = Join-Path $rack 'current'
    }

    It 'installs the four bootloaders MAAS installs, newest version each' {
        $installed | Should -HaveCount 4
        $installed[0].GetType().FullName | Should -Be 'MaasImages.Engine.Layout.Bootloaders.MaasBootloader'
        ($installed | ForEach-Object { "$($_.Os) $($_.Type)/$($_.Arch)" } | Sort-Object) |
            Should -Be @('grub-efi uefi/arm64', 'grub-efi-signed uefi/amd64', 'grub-ieee1275 open-firmware/ppc64el', 'pxelinux pxe/i386')
        $installed.Version | Sort-Object -Unique | Should -Be '20250715.0'
        $installed.Files | ForEach-Object { $_ | Should -Exist }
    }

    It 'extracts the real archives flat into bootloader/TYPE/ARCH/' {
        (Get-ChildItem (Join-Path $current 'bootloader/uefi/amd64')).Name | Sort-Object | Should -Be @('bootx64.efi', 'grubx64.efi', 'mmx64.efi')
        Join-Path $current 'bootloader/open-firmware/ppc64el/bootppc64.bin' | Should -Exist
        Join-Path $current 'bootloader/pxe/amd64' | Should -Not -Exist
        $byTar = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'by-tar')
        & tar -xJf (Join-Path $env:MAASIMAGES_TEST_SAMPLE 'bootloaders/uefi/amd64/20250715.0/grub2-signed.tar.xz') -C $byTar
        (Get-FileHash (Join-Path $current 'bootloader/uefi/amd64/grubx64.efi')).Hash | Should -Be (Get-FileHash (Join-Path $byTar 'grubx64.efi')).Hash
    }

    It 'lays current/ out as rack-layout.md, entry for entry, links made before the switch' {
        $entries = Get-ChildItem -LiteralPath $current -Force | ForEach-Object {
            if ($_.LinkType) { "$($_.Name)@" } elseif ($_.PSIsContainer) { "$($_.Name)/" } else { $_.Name }
        } | Sort-Object
        $expected = @('bootloader/', 'grub/', 'ipxe.cfg', 'maas.meta', 'ubuntu/') + @($LinkTable.Keys | ForEach-Object { "$_@" }) | Sort-Object
        $entries | Should -Be $expected
        Assert-LinkTable $current
        Get-Content (Join-Path $current 'ipxe.cfg') -TotalCount 1 | Should -Be '#!ipxe'
        Get-Content (Join-Path $current 'grub/grub.cfg') -Raw | Should -Match ([regex]::Escape('configfile /grub/grub.cfg-${net_default_mac}'))
        $meta = Get-Content (Join-Path $current 'maas.meta') -Raw | ConvertFrom-Json -AsHashtable
        $meta.'grub-efi-signed'.amd64.generic.bootloader.uefi.stable.'bootloader-type' | Should -Be 'uefi'
        $meta.ubuntu.amd64.'ga-22.04'.generic.jammy.stable.version_name | Should -Be '20250718'
    }

    It 'New-MaasBootLink on the result changes nothing and reports Unchanged' {
        $before = (Get-Item $current).LinkTarget
        $links = New-MaasBootLink -Path $current
        $links | Should -HaveCount 13
        $links | ForEach-Object { $_.Status | Should -Be 'Unchanged' }
        ($links | Where-Object Name -EQ 'syslinux').Kind | Should -Be 'Directory'
        (Get-Item $current).LinkTarget | Should -Be $before
        $again = $Stream | Install-MaasBootloader -Path $rack -PassThru
        (Get-Item $current).LinkTarget | Should -Be $before
        $again | Should -HaveCount 4
    }

    It '-Force replaces a regular file where a link belongs; without it, LinkPathOccupied' {
        $file = Join-Path $current 'grubx64.efi'
        Remove-Item -LiteralPath $file
        Set-Content -LiteralPath $file -Value 'copied by hand'
        New-MaasBootLinks -Path $current -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'LinkPathOccupied,*'
        (Get-Item $file).LinkType | Should -BeNullOrEmpty
        $forced = New-MaasBootLink -Path $current -Force
        ($forced | Where-Object Name -EQ 'grubx64.efi').Status | Should -Be 'Updated'
        Assert-LinkTable $current
    }

    It 'a later Save-MaasImage keeps the bootloaders and links in its new snapshot' {
        $before = (Get-Item $current).LinkTarget
        $Stream | Get-MaasImageVersion -Release noble -Arch amd64 -Latest | Save-MaasImage -Path $rack
        (Get-Item $current).LinkTarget | Should -Not -Be $before
        Assert-LinkTable $current
        Join-Path $current 'ipxe.cfg' | Should -Exist
        (Get-Content (Join-Path $current 'maas.meta') -Raw | ConvertFrom-Json -AsHashtable).Keys | Sort-Object |
            Should -Be @('grub-efi', 'grub-efi-signed', 'grub-ieee1275', 'pxelinux', 'ubuntu')
    }
}

Describe 'Install-MaasBootloader selection, mirror layout and refusals' {
    It '-Arch amd64 takes the i386 pxelinux (its arches list "i386, amd64") and the amd64 UEFI loaders' {
        $rack = Join-Path $TestDrive 'amd64'
        $installed = Install-MaasBootloader -Source $Server.Url -Path $rack -Arch amd64 -PassThru -WarningAction SilentlyContinue
        ($installed | ForEach-Object { "$($_.Type)/$($_.Arch)" } | Sort-Object) | Should -Be @('pxe/i386', 'uefi/amd64')
        Join-Path $rack 'current/bootx64.efi' | Should -Exist
        Test-Path (Join-Path $rack 'current/bootaa64.efi') | Should -BeFalse
    }

    It '-Layout Mirror keeps the archives at their upstream paths' {
        $mirror = Join-Path $TestDrive 'mirror'
        $Stream | Install-MaasBootloader -Path $mirror -Layout Mirror -All
        Join-Path $mirror 'bootloaders/pxe/amd64/20250715.0/syslinux.tar.xz' | Should -Exist
        Join-Path $mirror 'streams/v1/com.ubuntu.maas:stable:1:bootloader-download.json' | Should -Exist
        Join-Path $mirror 'bootloader' | Should -Not -Exist
    }

    It '-WhatIf fetches and writes nothing' {
        $fresh = Join-Path $TestDrive 'whatif'
        $Stream | Install-MaasBootloader -Path $fresh -WhatIf
        $fresh | Should -Not -Exist
    }

    It 'a hostile archive (a symlink member) is refused with UnsafeArchive and nothing is written' {
        $copy = Join-Path $TestDrive 'hostile-stream'
        Copy-Item $env:MAASIMAGES_TEST_SAMPLE $copy -Recurse
        Remove-Item (Join-Path $copy 'streams/v1/*.sjson'), (Join-Path $copy 'streams/v1/*.gpg') # an edited, unsigned copy
        $archive = Join-Path $copy 'bootloaders/uefi/arm64/20250715.0/grub2-signed.tar.xz'
        $evil = "evil-$([guid]::NewGuid().ToString('N')).efi"
        # Made in .NET by the test server assembly (System.Formats.Tar + a stored-chunk xz writer).
        Add-Type -Path $env:MAASIMAGES_TEST_SERVER
        [MaasImages.TestServer.TestArchives]::CreateWithSymlink($archive, 'grubaa64.efi', $evil)
        $doc = Join-Path $copy 'streams/v1/com.ubuntu.maas:stable:1:bootloader-download.json'
        $json = Get-Content -LiteralPath $doc -Raw | ConvertFrom-Json -AsHashtable
        $item = $json.products.'com.ubuntu.maas.stable:1:grub-efi:uefi:arm64'.versions.'20250715.0'.items.'grub2-signed'
        $item.sha256 = (Get-FileHash -LiteralPath $archive -Algorithm SHA256).Hash.ToLowerInvariant()
        $item.size = (Get-Item -LiteralPath $archive).Length
        $json | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath $doc

        $rack = Join-Path $TestDrive 'hostile-rack'
        # Like every engine failure of an install, it ends the command (terminating) with its stable id.
        $failure = try { Install-MaasBootloader -Source $copy -SkipSignatureCheck -Path $rack -Type uefi -WarningAction SilentlyContinue } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'UnsafeArchive,*'
        $failure.Exception.Message | Should -Match 'symbolic link'
        Join-Path $rack 'current' | Should -Not -Exist
        Get-ChildItem -LiteralPath $rack -Recurse -Force | Where-Object Name -Like "$evil*" | Should -BeNullOrEmpty
        Get-ChildItem -LiteralPath $rack -Recurse -Force -Filter 'grubaa64.efi*' | Should -BeNullOrEmpty
    }
}
