#Requires -Version 7.4
# Publish-MaasMirror in a real pwsh with the built module: Azure.Storage.Blobs, Azure.Core and
# Azure.Identity load in the module's private context, a mirror goes to Azurite (started here on
# 127.0.0.1 with a port it picks, from out/azurite as build.ps1 -Task Test installs it) and the
# default view shows the summary. Without node or Azurite the Azurite test is skipped, visibly.

BeforeDiscovery {
    $repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:AzuriteMain = Join-Path $repo 'out/azurite/node_modules/azurite/dist/src/blob/main.js'
    $script:NoAzurite = -not (Get-Command node -ErrorAction SilentlyContinue) -or -not (Test-Path $AzuriteMain)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    $repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:AzuriteMain = Join-Path $repo 'out/azurite/node_modules/azurite/dist/src/blob/main.js'
    $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
}

AfterAll {
    Stop-TestServer $script:Server
}

Describe 'Publish-MaasMirror' {
    It 'loads the Azure SDK in the private context and refuses a folder that is not a mirror' {
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'empty')
        { Publish-MaasMirror -Path $empty -ContainerUri https://account.blob.core.windows.net/maas -ConnectionString 'UseDevelopmentStorage=true' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MirrorNotFound,*'
        $azure = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'Azure.Storage.Blobs', 'Azure.Core' }
        $azure | Should -Not -BeNullOrEmpty
        $azure | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name | Should -Be 'MaasImages' }
    }

    It 'publishes a mirror to Azurite and shows the summary' -Skip:$NoAzurite {
        $workspace = New-Item -ItemType Directory (Join-Path $TestDrive 'azurite')
        $psi = [System.Diagnostics.ProcessStartInfo]::new('node')
        foreach ($argument in $AzuriteMain, '--blobHost', '127.0.0.1', '--blobPort', '0', '--location', $workspace.FullName, '--skipApiVersionCheck', '--disableTelemetry', '--loose') {
            $psi.ArgumentList.Add($argument)
        }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $azurite = [System.Diagnostics.Process]::Start($psi)
        try {
            $null = $azurite.StandardError.ReadToEndAsync()
            $endpoint = $null
            while ($null -eq $endpoint -and $null -ne ($line = $azurite.StandardOutput.ReadLine())) {
                if ($line -match 'listens on (?<url>http://127\.0\.0\.1:\d+)') { $endpoint = $Matches.url }
            }
            $endpoint | Should -Not -BeNullOrEmpty -Because 'Azurite prints the port it listens on'
            $mirror = Join-Path $TestDrive 'mirror'
            Get-MaasImageVersion -Source $Server.Url -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $mirror -Layout Mirror
            $key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
            $env:AZURE_STORAGE_CONNECTION_STRING = "AccountName=devstoreaccount1;AccountKey=$key"
            try {
                $publication = Publish-MaasMirror -Path $mirror -ContainerUri "$endpoint/devstoreaccount1/maas/stable"
                $publication.Uploaded | Should -BeGreaterThan 5
                $publication.Skipped | Should -Be 0
                $view = $publication | Out-String
                $view | Should -Match 'Uploaded\s+Skipped\s+Deleted\s+Sent'
                $again = Publish-MaasMirror -Path $mirror -ContainerUri "$endpoint/devstoreaccount1/maas/stable" -PassThru
                $again.Action | Sort-Object -Unique | Should -Be 'Skipped'
                ($again | Out-String) | Should -Match 'Skipped'
            }
            finally {
                Remove-Item Env:AZURE_STORAGE_CONNECTION_STRING
            }
        }
        finally {
            $azurite.Kill($true)
            $azurite.WaitForExit()
        }
    }
}
