#Requires -Version 7.4
<#
.SYNOPSIS
    Signs the sample stream the way images.maas.io publishes: index.sjson (listing .sjson paths)
    and X.sjson cleartext signatures, X.json.gpg detached signatures, with a throwaway key.
.DESCRIPTION
    A new RSA key is generated in a temporary GNUPGHOME on every run and its secret half is
    thrown away with it: only the public key is kept (samples/keys/sample-signing-key.asc), so
    nobody can sign anything else with it. Run after New-SampleStream.ps1 (which calls it).
    Needs gpg.
#>
param(
    [string] $StreamRoot = (Join-Path $PSScriptRoot 'stream'),
    [string] $PublicKeyPath = (Join-Path $PSScriptRoot 'keys/sample-signing-key.asc')
)

$ErrorActionPreference = 'Stop'
if (-not (Get-Command gpg -ErrorAction Ignore)) { throw 'gpg is needed to sign the sample stream (apt-get install gnupg).' }

function Invoke-Gpg([string[]] $Arguments) {
    & gpg --batch --quiet --yes --pinentry-mode loopback --passphrase '' @Arguments
    if ($LASTEXITCODE -ne 0) { throw "gpg $($Arguments -join ' ') failed ($LASTEXITCODE)" }
}

$home_ = Join-Path ([IO.Path]::GetTempPath()) ("maasimages-gpg-" + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory $home_ | Out-Null
if (-not $IsWindows) { chmod 700 $home_ }
$saved = $env:GNUPGHOME
try {
    $env:GNUPGHOME = $home_
    Invoke-Gpg @('--quick-gen-key', 'MaasImages sample stream signing key (test only) <sample-signing@maasimages.invalid>', 'rsa3072', 'sign', '0')
    New-Item -ItemType Directory -Force (Split-Path $PublicKeyPath) | Out-Null
    Invoke-Gpg @('--armor', '--output', $PublicKeyPath, '--export')

    $v1 = Join-Path $StreamRoot 'streams/v1'
    foreach ($json in Get-ChildItem $v1 -Filter '*.json') {
        $source = $json.FullName
        if ($json.Name -eq 'index.json') {
            # index.sjson lists the signed documents, like upstream: same body with .sjson paths.
            $source = Join-Path $home_ 'index.json'
            (Get-Content -LiteralPath $json.FullName -Raw) -replace '\.json"', '.sjson"' | Set-Content -LiteralPath $source -NoNewline
        }
        Invoke-Gpg @('--digest-algo', 'SHA512', '--clearsign', '--output', ($json.FullName -replace '\.json$', '.sjson'), $source)
        Invoke-Gpg @('--digest-algo', 'SHA512', '--armor', '--detach-sign', '--output', "$($json.FullName).gpg", $json.FullName)
    }
    Write-Host "Protect-SampleStream: signed $v1; public key in $PublicKeyPath"
}
finally {
    $env:GNUPGHOME = $saved
    Remove-Item $home_ -Recurse -Force -ErrorAction Ignore
}
