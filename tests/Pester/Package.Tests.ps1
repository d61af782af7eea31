#Requires -Version 7.4
# The module as the PowerShell Gallery ships it: the manifest passes Test-ModuleManifest and
# exports everything by name; tools/New-ModulePackage.ps1 (what `build.ps1 -Task Package` runs)
# packs the built module into a .nupkg; Save-PSResource and Install-PSResource install it from a
# local file repository into temporary folders; the installed copy imports in a fresh pwsh and
# reads its own sample stream. Every PSResourceGet call runs in a child pwsh whose repository
# store and CurrentUser module folder (HOME, XDG_DATA_HOME) live in $TestDrive, so the user's
# repositories and modules are never touched.

BeforeDiscovery {
    # The private PSResourceGet store and module folder rely on HOME/XDG_DATA_HOME, which Windows
    # does not honour; and the sample stream's file names hold colons, which NTFS refuses.
    $script:SkipInstall = [bool] $IsWindows
}

BeforeAll {
    $script:ModuleFolder = Split-Path $env:MAASIMAGES_TEST_MODULE
    $script:Manifest = Import-PowerShellDataFile $env:MAASIMAGES_TEST_MODULE
    $script:Version = $Manifest.ModuleVersion
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Add-Type -AssemblyName System.IO.Compression.FileSystem

    # A fresh pwsh, the same one running this suite (the dotnet tool runs as `dotnet pwsh.dll`).
    function Invoke-ChildPwsh {
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $exe = [Environment]::ProcessPath
        [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
        $saved = @{}
        foreach ($name in $Environment.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $Environment[$name])
        }
        try {
            $output = & $exe @prefix -NoProfile -NonInteractive -Command $Script 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    # The listing the installed module must produce from its own samples, as JSON on the last line.
    function Get-ListingScript([string] $Import) {
        @"
`$ErrorActionPreference = 'Stop'
Import-Module $Import
`$module = Get-Module MaasImages
`$root = `$module.ModuleBase
`$stream = Get-MaasStream -Source (Join-Path `$root 'samples/stream') -Keyring (Join-Path `$root 'samples/keys/sample-signing-key.asc')
[ordered]@{ ModuleBase = `$root; Version = `$module.Version.ToString(); Name = `$stream.Name; Products = `$stream.ProductCount; Status = "`$(`$stream.SignatureStatus)"; Commands = @(`$module.ExportedCommands.Keys | Sort-Object) } | ConvertTo-Json -Compress
"@
    }

    function ConvertFrom-LastJsonLine([string] $Text) {
        $line = ($Text -split "`r?`n" | Where-Object { $_ -match '^\{' } | Select-Object -Last 1)
        if (-not $line) { throw "No JSON in the child's output:`n$Text" }
        $line | ConvertFrom-Json
    }
}

Describe 'The module manifest' {
    It 'passes Test-ModuleManifest on the built module' {
        $info = Test-ModuleManifest -Path $env:MAASIMAGES_TEST_MODULE -ErrorAction Stop
        $info.Name | Should -Be 'MaasImages'
        $info.Guid | Should -Be '6d1f3a9e-5b7c-4f2e-9a41-2c8e0b7d5f13'
        $info.CompatiblePSEditions | Should -Be @('Core')
        $info.PowerShellVersion | Should -Be ([version] '7.4')
        $info.LicenseUri | Should -Not -BeNullOrEmpty
        $info.ProjectUri | Should -Not -BeNullOrEmpty
        $info.ReleaseNotes | Should -Not -BeNullOrEmpty
        $info.Description | Should -Not -BeNullOrEmpty
        $info.Author | Should -Not -BeNullOrEmpty
    }

    It 'carries the gallery tags' {
        foreach ($tag in 'MAAS', 'simplestreams', 'PXE', 'Ubuntu', 'images') {
            $Manifest.PrivateData.PSData.Tags | Should -Contain $tag
        }
    }

    It 'exports everything by name, nothing by wildcard' {
        $Manifest.CmdletsToExport | Should -Be @('Get-MaasStream', 'Get-MaasImageVersion', 'Save-MaasImage', 'Install-MaasBootloader', 'New-MaasBootLink', 'Get-MaasBootSnapshot',
            'Restore-MaasBootResource', 'Get-MaasBootResource', 'Remove-MaasBootResource', 'Compare-MaasBootResource', 'Test-MaasBootResource',
            'Get-MaasImageManifest', 'Compare-MaasImageManifest', 'Publish-MaasMirror')
        $Manifest.AliasesToExport | Should -Be @('New-MaasBootLinks')
        , $Manifest.FunctionsToExport | Should -BeOfType [object[]]
        $Manifest.FunctionsToExport | Should -HaveCount 0
        $Manifest.VariablesToExport | Should -HaveCount 0
        foreach ($key in 'CmdletsToExport', 'AliasesToExport', 'FunctionsToExport', 'VariablesToExport') {
            $Manifest[$key] | Where-Object { [WildcardPattern]::ContainsWildcardCharacters($_) } | Should -BeNullOrEmpty
        }
    }

    It 'exports exactly what it lists once imported' {
        $result = Invoke-ChildPwsh -Script (Get-ListingScript "'$env:MAASIMAGES_TEST_MODULE'")
        $result.ExitCode | Should -Be 0 -Because $result.Output
        (ConvertFrom-LastJsonLine $result.Output).Commands |
            Should -Be @('Compare-MaasBootResource', 'Compare-MaasImageManifest', 'Get-MaasBootResource', 'Get-MaasBootSnapshot', 'Get-MaasImageManifest', 'Get-MaasImageVersion', 'Get-MaasStream', 'Install-MaasBootloader',
                'New-MaasBootLink', 'New-MaasBootLinks', 'Publish-MaasMirror', 'Remove-MaasBootResource', 'Restore-MaasBootResource', 'Save-MaasImage', 'Test-MaasBootResource')
    }
}

Describe 'The gallery package' {
    BeforeAll {
        $script:Packages = Join-Path $TestDrive 'packages'
        $pack = Invoke-ChildPwsh -Script "& '$(Join-Path $RepoRoot 'tools/New-ModulePackage.ps1')' -ModulePath '$ModuleFolder' -OutputPath '$Packages' -WorkPath '$(Join-Path $TestDrive 'pack-work')'"
        $script:PackOutput = $pack.Output
        $script:PackExit = $pack.ExitCode
        $script:Nupkg = Join-Path $Packages "MaasImages.$Version.nupkg"
    }

    It 'is made by tools/New-ModulePackage.ps1' {
        $PackExit | Should -Be 0 -Because $PackOutput
        $Nupkg | Should -Exist
    }

    It 'holds the module files and the samples, and no debug symbols' {
        $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($file in 'MaasImages.psd1', 'MaasImages.PowerShell.dll', 'MaasImages.Loader.dll', 'MaasImages.Loader.ps1',
            'Dependencies/MaasImages.Engine.dll', 'MaasImages.format.ps1xml', 'Dependencies/Polly.Core.dll',
            'Dependencies/SharpCompress.dll', 'Dependencies/BouncyCastle.Cryptography.dll', 'Dependencies/Azure.Storage.Blobs.dll',
            'Dependencies/Azure.Core.dll', 'Dependencies/Azure.Identity.dll', 'LICENSE', 'MaasImages.nuspec',
            'samples/keys/sample-signing-key.asc', 'samples/stream/streams/v1/index.sjson') {
            $entries | Should -Contain $file
        }
        $entries | Where-Object { $_ -like '*.pdb' } | Should -BeNullOrEmpty
        ($entries | Where-Object { $_ -like 'samples/stream/*' }).Count | Should -BeGreaterThan 50
    }

    It 'describes itself for the gallery (id, version, tags, license, project)' {
        $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg)
        try {
            $reader = [IO.StreamReader]::new($zip.GetEntry('MaasImages.nuspec').Open())
            try { [xml] $nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally { $zip.Dispose() }
        $meta = $nuspec.package.metadata
        $meta.id | Should -Be 'MaasImages'
        $meta.version | Should -Be $Version
        $meta.tags -split ' ' | Should -Contain 'simplestreams'
        $meta.licenseUrl | Should -Be $Manifest.PrivateData.PSData.LicenseUri
        $meta.projectUrl | Should -Be $Manifest.PrivateData.PSData.ProjectUri
    }

    Context 'installed from a local repository' -Skip:$SkipInstall {
        BeforeAll {
            # A private home: PSResourceGet keeps its repository store under XDG_DATA_HOME but installs
            # the CurrentUser scope under $HOME/.local/share/powershell/Modules, which pwsh searches.
            $script:Store = Join-Path $TestDrive 'home'
            $script:Private = @{ HOME = $Store; XDG_DATA_HOME = (Join-Path $Store '.local/share') }
            $script:Installed = Join-Path $Store ".local/share/powershell/Modules/MaasImages/$Version"
            $script:Saved = Join-Path $TestDrive 'saved'
            # Made first: .NET reports a missing XDG_DATA_HOME as no folder at all, and PSResourceGet
            # would then keep its store in the current directory.
            New-Item -ItemType Directory -Path $Private.XDG_DATA_HOME, $Saved | Out-Null
            $install = Invoke-ChildPwsh -Environment $Private -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name MaasImagesLocal -Uri '$Packages' -Trusted
Find-PSResource -Name MaasImages -Repository MaasImagesLocal | Out-Null
Save-PSResource -Name MaasImages -Version '$Version' -Repository MaasImagesLocal -Path '$Saved' -TrustRepository -SkipDependencyCheck
Install-PSResource -Name MaasImages -Version '$Version' -Repository MaasImagesLocal -Scope CurrentUser -TrustRepository -NoClobber
'installed: ' + ((Get-InstalledPSResource -Name MaasImages).InstalledLocation)
"@
            $script:InstallOutput = $install.Output
            $script:InstallExit = $install.ExitCode
        }

        It 'Save-PSResource and Install-PSResource succeed' {
            $InstallExit | Should -Be 0 -Because $InstallOutput
            Join-Path $Saved "MaasImages/$Version/MaasImages.psd1" | Should -Exist
            Join-Path $Installed 'MaasImages.psd1' | Should -Exist
        }

        It 'the saved copy imports in a fresh pwsh and lists its sample stream' {
            $manifestPath = Join-Path $Saved "MaasImages/$Version/MaasImages.psd1"
            $result = Invoke-ChildPwsh -Script (Get-ListingScript "'$manifestPath'")
            $result.ExitCode | Should -Be 0 -Because $result.Output
            $listing = ConvertFrom-LastJsonLine $result.Output
            $listing.ModuleBase | Should -Be (Split-Path $manifestPath)
            $listing.Version | Should -Be $Version
            $listing.Name | Should -Be 'stable'
            $listing.Products | Should -Be 16
            $listing.Status | Should -Be 'Verified'
        }

        It 'the installed copy imports by name from the user module path and lists its sample stream' {
            # No path: PowerShell finds it where Install-PSResource put it (the CurrentUser scope).
            $result = Invoke-ChildPwsh -Environment ($Private + @{ PSModulePath = $null }) -Script (Get-ListingScript 'MaasImages')
            $result.ExitCode | Should -Be 0 -Because $result.Output
            $listing = ConvertFrom-LastJsonLine $result.Output
            $listing.ModuleBase | Should -Be $Installed
            $listing.Products | Should -Be 16
            $listing.Status | Should -Be 'Verified'
        }
    }
}
