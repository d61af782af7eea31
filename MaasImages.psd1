@{
    RootModule           = 'MaasImages.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6d1f3a9e-5b7c-4f2e-9a41-2c8e0b7d5f13'
    Author               = 'MaasImages contributors'
    CompanyName          = 'MaasImages'
    Copyright            = '(c) MaasImages contributors. Licensed under the MIT License.'
    Description          = 'Read MAAS simplestreams and download, verify and lay out boot images and bootloaders exactly as a MAAS rack controller does, or as a servable mirror.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('MaasImages.format.ps1xml')
    # The engine and Polly/SharpCompress/BouncyCastle load in a private context from Dependencies/,
    # set up before the cmdlets are imported, so other modules' versions of them do not clash.
    RequiredAssemblies   = @('MaasImages.Loader.dll')
    ScriptsToProcess     = @('MaasImages.Loader.ps1')
    # Everything exported is listed by name: nothing by wildcard.
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Get-MaasStream'
        'Get-MaasImageVersion'
        'Save-MaasImage'
        'Install-MaasBootloader'
        'New-MaasBootLink'
        'Get-MaasBootSnapshot'
        'Restore-MaasBootResource'
        'Get-MaasBootResource'
        'Remove-MaasBootResource'
        'Compare-MaasBootResource'
        'Test-MaasBootResource'
        'Get-MaasImageManifest'
        'Compare-MaasImageManifest'
        'Publish-MaasMirror'
    )
    VariablesToExport    = @()
    AliasesToExport      = @('New-MaasBootLinks')
    PrivateData          = @{
        PSData = @{
            Tags         = @('MAAS', 'simplestreams', 'PXE', 'Ubuntu', 'images')
            LicenseUri   = 'https://github.com/maasimages/MaasImages/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/maasimages/MaasImages'
            ReleaseNotes = @'
0.1.0 - first release.
- Get-MaasStream and Get-MaasImageVersion read MAAS simplestreams (images.maas.io, any mirror, URL
  or local folder) with OpenPGP signature verification (index.sjson / .json.gpg) and the
  simplestreams filter language.
- Save-MaasImage downloads, verifies (sha256) and lays out images as a MAAS rack controller does
  (Rack: cache + snapshots + atomic current switch) or as a servable simplestreams mirror (Mirror),
  with resume, retries, throttling, -WhatIf and -Prune.
- Install-MaasBootloader and New-MaasBootLink (alias New-MaasBootLinks) install bootloaders, ipxe.cfg
  and grub.cfg and the boot links MAAS serves.
'@
        }
    }
}
