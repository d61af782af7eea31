#Requires -Version 7.4
# End to end in real pwsh, the way a user runs it: the sample stream over HTTP (Kestrel test
# server on loopback), as a folder and as a file:// URL.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-TestServer -Root (Split-Path $env:MAASIMAGES_TEST_SAMPLE)
    $script:Sources = @{
        'http'     = "$($Server.Url)stream/"
        'folder'   = $env:MAASIMAGES_TEST_SAMPLE
        'file URL' = [Uri]::new((Join-Path $env:MAASIMAGES_TEST_SAMPLE 'streams/v1/index.json')).AbsoluteUri
    }
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Get-MaasStream and Get-MaasImageVersion on the sample stream (<Kind>)' -ForEach @(
    @{ Kind = 'http' }
    @{ Kind = 'folder' }
    @{ Kind = 'file URL' }
) {
    BeforeAll {
        $streamSource = $Sources[$Kind]
    }

    It 'reads the index into a MaasStream' {
        $stream = Get-MaasStream -Source $streamSource
        $stream.GetType().FullName | Should -Be 'MaasImages.Engine.Streams.MaasStream'
        $stream.Name | Should -Be 'stable'
        $stream.ContentIds | Should -HaveCount 3
        $stream.ProductCount | Should -Be 16
        $stream.Signed | Should -BeTrue
        $stream.SignatureStatus | Should -Be 'Verified'
        $stream.SignedBy | Should -Match '^[0-9A-F]{40}$'
        $stream.Updated | Should -Be ([DateTimeOffset] '2025-07-18T10:15:30Z')
    }

    It 'lists every image version, Ubuntu and CentOS, never bootloaders' {
        $images = Get-MaasStream -Source $streamSource | Get-MaasImageVersion
        $images | Should -HaveCount 22
        ($images.Os | Sort-Object -Unique) | Should -Be @('centos', 'ubuntu')
        $images | ForEach-Object { $_.Files.Count | Should -BeGreaterThan 0 }
    }

    It 'filters by release (codename or number), arch and latest' {
        $images = Get-MaasImageVersion -Source $streamSource -Release jammy, 24.04 -Arch amd64 -Latest
        $images | Should -HaveCount 5
        $images.VersionName | Sort-Object -Unique | Should -Be '20250718'
        $images.Arch | Sort-Object -Unique | Should -Be 'amd64'
    }

    It 'gives each file an absolute URI that can be fetched, with its size and sha256' {
        $image = Get-MaasImageVersion -Source $streamSource -Release noble -Arch arm64 -Subarch ga-24.04 -Latest
        $kernel = $image.Files | Where-Object Name -EQ 'boot-kernel'
        $kernel.Uri.IsAbsoluteUri | Should -BeTrue
        $kernel.Size | Should -BeGreaterThan 0
        $kernel.Sha256 | Should -Match '^[0-9a-f]{64}$'
        $local = Join-Path $env:MAASIMAGES_TEST_SAMPLE $kernel.Path
        (Get-FileHash -LiteralPath $local -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $kernel.Sha256
    }

    It 'supports the simplestreams filter language' {
        $images = Get-MaasImageVersion -Source $streamSource -Filter 'os=ubuntu', 'subarch~^hwe-', 'arch!=arm64' -Latest
        $images | Should -HaveCount 2
        $images.Subarch | Sort-Object | Should -Be @('hwe-22.04', 'hwe-24.04')
    }
}

Describe 'Signatures' {
    It 'the signed sample verifies with the sample key given by -Keyring' {
        $env:MAASIMAGES_KEYRING = $null
        try {
            $stream = Get-MaasStream -Source $env:MAASIMAGES_TEST_SAMPLE -Keyring $env:MAASIMAGES_TEST_SAMPLE_KEY
            $stream.Verified | Should -BeTrue
            $stream.SignerUserId | Should -Match 'sample'
            ($stream | Get-MaasImageVersion -Release noble -Latest)[0].SignedBy | Should -Be $stream.SignedBy
        }
        finally { $env:MAASIMAGES_KEYRING = $env:MAASIMAGES_TEST_SAMPLE_KEY }
    }

    It 'a keyring without the signing key: SignatureInvalid naming the key' {
        $other = Join-Path $TestDrive 'other.asc'
        # A real but unrelated key: the upstream Ubuntu key when the fixtures are here, else an empty keyring file.
        $real = Join-Path $PSScriptRoot '../../../shared/fixtures/real/cloud-images.pub'
        if (Test-Path $real) { Copy-Item $real $other } else { Set-Content $other 'no key' }
        $err = $null
        Get-MaasStream -Source $env:MAASIMAGES_TEST_SAMPLE -Keyring $other -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        if (Test-Path $real) {
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SignatureInvalid,*'
            $err[0].Exception.Message | Should -Match 'not in the keyring'
        }
        else {
            $err[0].FullyQualifiedErrorId | Should -BeLike 'MalformedDocument,*'
        }
    }

    It 'an unsigned stream needs -SkipSignatureCheck, which warns' {
        $copy = Join-Path $TestDrive 'unsigned'
        Copy-Item $env:MAASIMAGES_TEST_SAMPLE $copy -Recurse
        Remove-Item (Join-Path $copy 'streams/v1/*.sjson'), (Join-Path $copy 'streams/v1/*.gpg')
        { Get-MaasStream -Source $copy -ErrorAction Stop } | Should -Throw -ErrorId 'UnsignedStream,*'
        $stream = Get-MaasStream -Source $copy -SkipSignatureCheck -WarningVariable warned -WarningAction SilentlyContinue
        $stream.SignatureStatus | Should -Be 'Unsigned'
        $warned | Should -Match 'not signed'
    }

    It 'a changed byte in a signed document is refused and nothing is listed from it' {
        $copy = Join-Path $TestDrive 'tampered'
        Copy-Item $env:MAASIMAGES_TEST_SAMPLE $copy -Recurse
        $doc = Join-Path $copy 'streams/v1/com.ubuntu.maas:stable:v3:download.sjson'
        (Get-Content -LiteralPath $doc -Raw) -replace '20250718', '20250719' | Set-Content -LiteralPath $doc -NoNewline
        $images = Get-MaasImageVersion -Source $copy -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SignatureInvalid,*'
        $images.Os | Sort-Object -Unique | Should -Be 'centos'
    }
}

Describe 'Errors a user meets' {
    It 'a stream that is not there: StreamNotFound (404)' {
        Get-MaasStream -Source "$($Server.Url)nosuchstream/" -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'StreamNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'nothing listening: SourceUnreachable' {
        $port = Get-FreeLoopbackPort
        Get-MaasStream -Source "http://127.0.0.1:$port/stable/" -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SourceUnreachable,*'
        $err[0].Exception.Message | Should -Match "127.0.0.1:$port"
    }

    It 'a products document given as the index: UnsupportedDocumentFormat' {
        $products = Join-Path $env:MAASIMAGES_TEST_SAMPLE 'streams/v1/com.ubuntu.maas:stable:v3:download.json'
        { Get-MaasStream -Source $products -ErrorAction Stop } | Should -Throw -ErrorId 'UnsupportedDocumentFormat,*'
    }

    It 'an unsafe path in a products document: UnsafePath naming document and path, other documents still listed' {
        $copy = Join-Path $TestDrive 'hostile'
        Copy-Item $env:MAASIMAGES_TEST_SAMPLE $copy -Recurse
        Remove-Item (Join-Path $copy 'streams/v1/*.sjson'), (Join-Path $copy 'streams/v1/*.gpg') # an edited, unsigned copy
        $doc = Join-Path $copy 'streams/v1/com.ubuntu.maas:stable:v3:download.json'
        (Get-Content -LiteralPath $doc -Raw) -replace '"path": "jammy/amd64/20250701/squashfs"', '"path": "../../../etc/passwd"' |
            Set-Content -LiteralPath $doc
        $images = Get-MaasImageVersion -Source $copy -SkipSignatureCheck -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnsafePath,*'
        $err[0].Exception.Message | Should -Match ([regex]::Escape('../../../etc/passwd'))
        $err[0].Exception.Message | Should -Match 'v3:download.json'
        $images.Os | Sort-Object -Unique | Should -Be 'centos'
    }

    It 'a truncated document: MalformedDocument with line and position' {
        $copy = Join-Path $TestDrive 'truncated'
        Copy-Item $env:MAASIMAGES_TEST_SAMPLE $copy -Recurse
        Remove-Item (Join-Path $copy 'streams/v1/*.sjson'), (Join-Path $copy 'streams/v1/*.gpg')
        $index = Join-Path $copy 'streams/v1/index.json'
        $text = Get-Content -LiteralPath $index -Raw
        Set-Content -LiteralPath $index -Value $text.Substring(0, 200) -NoNewline
        { Get-MaasStream -Source $copy -SkipSignatureCheck -ErrorAction Stop -WarningAction SilentlyContinue } | Should -Throw -ErrorId 'MalformedDocument,*'
        try { Get-MaasStream -Source $copy -SkipSignatureCheck -ErrorAction Stop -WarningAction SilentlyContinue } catch { $_.Exception.Message | Should -Match 'line \d+, position \d+' }
    }
}
