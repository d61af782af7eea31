#Requires -Version 7.4
# What the output objects look like in a real pwsh with the built module: every default table view
# at 80 and 120 columns (the key columns whole, no header squeezed into two lines), and exports
# that read well: Export-Csv without type names, ConvertTo-Json -EnumsAsStrings with enum names.

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    $work = Join-Path $TestDrive 'output'
    $rack = Join-Path $work 'rack'
    $stream = Get-MaasStream -Source $env:MAASIMAGES_TEST_SAMPLE
    $versions = $stream | Get-MaasImageVersion
    $amd64 = $stream | Get-MaasImageVersion -Arch amd64 -Latest
    $saved = $amd64 | Save-MaasImage -Path $rack -PassThru
    $bootloaders = $stream | Install-MaasBootloader -Path $rack -PassThru
    $resources = Get-MaasBootResource -Path $rack
    $jammy = $versions | Where-Object { $_.Release -eq 'jammy' -and $_.Arch -eq 'amd64' -and $_.Subarch -eq 'ga-22.04' -and $_.Kflavor -eq 'generic' }

    # Publish-MaasMirror's results are built directly (publishing needs Azurite; Publish.Tests.ps1 does that).
    $engine = $stream.GetType().Assembly
    $action = $engine.GetType('MaasImages.Engine.Publishing.MaasPublishAction')
    $objectType = $engine.GetType('MaasImages.Engine.Publishing.MaasPublishedObject')
    $published = $objectType.GetConstructors()[0].Invoke(@('streams/v1/index.sjson', [Enum]::Parse($action, 'Uploaded'), [long] 2048, [long] 2048,
        [Uri] 'http://127.0.0.1:10000/devstoreaccount1/maas/streams/v1/index.sjson'))
    $objects = [Activator]::CreateInstance([System.Collections.Generic.List`1].MakeGenericType($objectType))
    $objects.Add($published)
    $publication = $engine.GetType('MaasImages.Engine.Publishing.MaasMirrorPublication').GetConstructors()[0].Invoke(@(
        'http://127.0.0.1:10000/devstoreaccount1/maas', 1, 0, 0, [long] 2048, [long] 2048, [TimeSpan]::FromSeconds(1.5), $objects))

    # One sample of each output type, by the name of its default view.
    $script:Outputs = @{
        MaasStream                 = $stream
        MaasContent                = $stream.Contents
        MaasImageVersion           = $versions
        MaasImageFile              = $versions[0].Files
        MaasSavedImage             = $saved
        MaasBootloader             = $bootloaders
        MaasBootLink               = New-MaasBootLink -Path (Join-Path $rack 'current')
        MaasBootSnapshot           = Get-MaasBootSnapshot -Path $rack
        MaasBootResource           = $resources
        MaasBootResourceFile       = $resources[0].Files
        MaasBootResourceComparison = $versions | Compare-MaasBootResource -Path $rack
        MaasBootResourceCheck      = Test-MaasBootResource -Path $rack
        MaasImagePackage           = $jammy[0] | Get-MaasImageManifest -Name curl, e2fsprogs -CachePath (Join-Path $work 'manifests')
        MaasImagePackageChange     = Compare-MaasImageManifest -ReferenceObject $jammy[0] -DifferenceObject $jammy[1] -CachePath (Join-Path $work 'manifests')
        MaasMirrorPublication      = $publication
        MaasPublishedObject        = $published
    }
}

Describe 'Default table views' {
    It 'has a view test for every view the module ships' {
        $format = Join-Path (Split-Path $env:MAASIMAGES_TEST_MODULE) 'MaasImages.format.ps1xml'
        $views = ([xml] (Get-Content -LiteralPath $format -Raw)).Configuration.ViewDefinitions.View.Name
        $views | Should -Not -BeNullOrEmpty
        $views | Sort-Object | Should -Be ($Outputs.Keys | Sort-Object)
    }

    It '<View> at <Width> columns shows <Columns>' -ForEach @(
        @{ View = 'MaasStream'; Width = 80; Columns = 'Name Updated Signature Contents Products Uri' }
        @{ View = 'MaasStream'; Width = 120; Columns = 'Name Updated Signature Contents Products Uri' }
        @{ View = 'MaasContent'; Width = 80; Columns = 'ContentId Kind Products Updated' }
        @{ View = 'MaasContent'; Width = 120; Columns = 'ContentId Kind Products Updated Path' }
        @{ View = 'MaasImageVersion'; Width = 80; Columns = 'Os Release Arch Subarch VersionName Latest Size SupportEol' }
        @{ View = 'MaasImageVersion'; Width = 120; Columns = 'Os Release Arch Subarch VersionName Latest Size SupportEol Kflavor Files Label' }
        @{ View = 'MaasImageFile'; Width = 80; Columns = 'Name FileType Size Sha256 Path' }
        @{ View = 'MaasImageFile'; Width = 120; Columns = 'Name FileType Size Sha256 Path' }
        @{ View = 'MaasSavedImage'; Width = 80; Columns = 'Os Release Arch Subarch VersionName Downloaded Reused Files' }
        @{ View = 'MaasSavedImage'; Width = 120; Columns = 'Os Release Arch Subarch VersionName Downloaded Reused Files Layout Path' }
        @{ View = 'MaasBootloader'; Width = 80; Columns = 'Os Type Arch Version Files Path' }
        @{ View = 'MaasBootloader'; Width = 120; Columns = 'Os Type Arch Version Files Path' }
        @{ View = 'MaasBootLink'; Width = 80; Columns = 'Name Kind Status Target' }
        @{ View = 'MaasBootLink'; Width = 120; Columns = 'Name Kind Status Target' }
        @{ View = 'MaasBootSnapshot'; Width = 80; Columns = 'Name Created Current Images Bootloaders Size' }
        @{ View = 'MaasBootSnapshot'; Width = 120; Columns = 'Name Created Current Images Bootloaders Size Files Path' }
        @{ View = 'MaasBootResource'; Width = 80; Columns = 'Os Release Arch Subarch VersionName TotalSize' }
        @{ View = 'MaasBootResource'; Width = 120; Columns = 'Os Release Arch Subarch VersionName TotalSize Type Files ProductName' }
        @{ View = 'MaasBootResourceFile'; Width = 80; Columns = 'Exists Size Sha256 RelativePath' }
        @{ View = 'MaasBootResourceFile'; Width = 120; Columns = 'Exists Size Sha256 RelativePath' }
        @{ View = 'MaasBootResourceComparison'; Width = 80; Columns = 'Status Release Arch Subarch LocalVersion UpstreamVersion' }
        @{ View = 'MaasBootResourceComparison'; Width = 120; Columns = 'Status Release Arch Subarch LocalVersion UpstreamVersion Os Kflavor ProductName' }
        @{ View = 'MaasBootResourceCheck'; Width = 80; Columns = 'Status Repaired Size RelativePath' }
        @{ View = 'MaasBootResourceCheck'; Width = 120; Columns = 'Status Repaired Size RelativePath' }
        @{ View = 'MaasImagePackage'; Width = 80; Columns = 'Name Version Release Arch' }
        @{ View = 'MaasImagePackage'; Width = 120; Columns = 'Name Version Release Arch VersionName Subarch' }
        @{ View = 'MaasImagePackageChange'; Width = 80; Columns = 'Change Name Versions' }
        @{ View = 'MaasImagePackageChange'; Width = 120; Columns = 'Change Name Versions' }
        @{ View = 'MaasMirrorPublication'; Width = 80; Columns = 'Uploaded Skipped Deleted Sent Total Elapsed Destination' }
        @{ View = 'MaasMirrorPublication'; Width = 120; Columns = 'Uploaded Skipped Deleted Sent Total Elapsed Destination' }
        @{ View = 'MaasPublishedObject'; Width = 80; Columns = 'Action Size Sent Name' }
        @{ View = 'MaasPublishedObject'; Width = 120; Columns = 'Action Size Sent Name' }
    ) {
        $objects = $Outputs[$View]
        $objects | Should -Not -BeNullOrEmpty
        $lines = @(($objects | Out-String -Width $Width) -split '\r?\n' | Where-Object { $_.Trim() })
        # One header line, then the dashes: a header squeezed into a narrow column takes several lines.
        $lines[1] | Should -Match '^[- ]+$' -Because "the header is one line:`n$($lines[0..2] -join "`n")"
        # Exactly these columns, each whole: the next column is hidden, not squeezed.
        ($lines[0].Trim() -split ' +') -join ' ' | Should -BeExactly $Columns
        ($lines[1].Trim() -split ' +').ForEach({ $_.Length }) | Should -Not -Contain 1 -Because 'no column is squeezed to one character'
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual $Width -Because "'$_' fits" }
    }
}

Describe 'Exports' {
    It 'Export-Csv of <View> writes values, never a type name' -ForEach @(
        'MaasStream', 'MaasContent', 'MaasImageVersion', 'MaasImageFile', 'MaasSavedImage', 'MaasBootloader', 'MaasBootLink',
        'MaasBootSnapshot', 'MaasBootResource', 'MaasBootResourceFile', 'MaasBootResourceComparison', 'MaasBootResourceCheck',
        'MaasImagePackage', 'MaasImagePackageChange', 'MaasMirrorPublication', 'MaasPublishedObject'
    ).ForEach({ @{ View = $_ } }) {
        $csv = Join-Path $TestDrive "$View.csv"
        $Outputs[$View] | Export-Csv -LiteralPath $csv
        $rows = Import-Csv -LiteralPath $csv
        @($rows).Count | Should -Be @($Outputs[$View]).Count
        $typeNames = Select-String -LiteralPath $csv -Pattern 'System\.[A-Z]|MaasImages\.Engine\.|\[\]|`\d' -CaseSensitive -AllMatches
        $typeNames.Matches.Value | Should -BeNullOrEmpty -Because 'collections print as their items'
    }

    It 'writes a collection as its items joined with ", "' {
        $stream = Import-Csv -LiteralPath (Join-Path $TestDrive 'MaasStream.csv')
        $stream.ContentIds | Should -BeExactly ($Outputs.MaasStream.ContentIds -join ', ')
        $stream.ContentIds | Should -Match '^com\.ubuntu\.maas:stable:1:bootloader-download, '
        $version = Import-Csv -LiteralPath (Join-Path $TestDrive 'MaasImageVersion.csv') | Select-Object -First 1
        $version.Files | Should -BeExactly ($Outputs.MaasImageVersion[0].Files.Path -join ', ')
        $version.Properties | Should -Match '(^|, )os=centos(, |$)'
        $saved = Import-Csv -LiteralPath (Join-Path $TestDrive 'MaasSavedImage.csv') | Select-Object -First 1
        $saved.Files | Should -BeExactly ($Outputs.MaasSavedImage[0].Files -join ', ')
        $resource = Import-Csv -LiteralPath (Join-Path $TestDrive 'MaasBootResource.csv') | Select-Object -First 1
        $resource.Files | Should -BeExactly ($Outputs.MaasBootResource[0].Files.Path -join ', ')
        (Import-Csv -LiteralPath (Join-Path $TestDrive 'MaasMirrorPublication.csv')).Objects | Should -BeExactly 'streams/v1/index.sjson'
    }

    It 'ConvertTo-Json -EnumsAsStrings writes <View>.<Property> as its name' -ForEach @(
        @{ View = 'MaasStream'; Property = 'SignatureStatus' }
        @{ View = 'MaasContent'; Property = 'Kind' }
        @{ View = 'MaasImageVersion'; Property = 'SignatureStatus' }
        @{ View = 'MaasSavedImage'; Property = 'Layout' }
        @{ View = 'MaasBootloader'; Property = 'Layout' }
        @{ View = 'MaasBootLink'; Property = 'Status' }
        @{ View = 'MaasBootLink'; Property = 'Kind' }
        @{ View = 'MaasBootResource'; Property = 'Type' }
        @{ View = 'MaasBootResourceComparison'; Property = 'Status' }
        @{ View = 'MaasBootResourceCheck'; Property = 'Status' }
        @{ View = 'MaasImagePackageChange'; Property = 'Change' }
        @{ View = 'MaasPublishedObject'; Property = 'Action' }
    ) {
        $object = @($Outputs[$View])[0]
        $name = $object.$Property.ToString()
        $name | Should -Match '^[A-Za-z]+$'
        ($object | ConvertTo-Json -Depth 1 -EnumsAsStrings -WarningAction Ignore | ConvertFrom-Json).$Property | Should -BeExactly $name
        # Without the switch ConvertTo-Json writes the number: the README says to pass it.
        ($object | ConvertTo-Json -Depth 1 -WarningAction Ignore | ConvertFrom-Json).$Property | Should -BeExactly ([int] $object.$Property)
    }
}
