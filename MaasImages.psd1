@{
    RootModule           = 'MaasImages.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6d1f3a9e-5b7c-4f2e-9a41-2c8e0b7d5f13'
    Author               = 'MaasImages contributors'
    CompanyName          = 'MaasImages'
    Copyright            = '(c) MaasImages contributors. All rights reserved.'
    Description          = 'Read MAAS simplestreams and download, verify and lay out boot images and bootloaders exactly as a MAAS rack controller does, or as a servable mirror.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('MaasImages.format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Get-MaasStream'
        'Get-MaasImageVersion'
        'Save-MaasImage'
        'Install-MaasBootloader'
        'New-MaasBootLink'
    )
    VariablesToExport    = @()
    AliasesToExport      = @('New-MaasBootLinks')
    PrivateData          = @{
        PSData = @{
            Tags       = @('MAAS', 'simplestreams', 'PXE', 'Ubuntu', 'images')
            ProjectUri = 'https://github.com/maasimages/MaasImages'
        }
    }
}
