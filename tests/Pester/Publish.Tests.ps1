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

    # Publish-MaasMirror in a child pwsh whose environment is exactly $Environment on top of this one,
    # without any AZURE_*/IDENTITY_*/MSI_* variable of the machine: nothing here changes this process's
    # environment. Returns the error id and message it ended with (or 'none').
    function Invoke-ChildPublish([string] $Mirror, [string] $ContainerUri, [hashtable] $Environment) {
        $script = 'Import-Module $env:MAASIMAGES_TEST_MODULE; ' +
            'try { $null = Publish-MaasMirror -Path $env:PUBLISHTEST_MIRROR -ContainerUri $env:PUBLISHTEST_URI -ErrorAction Stop; "none" } ' +
            'catch { $_.FullyQualifiedErrorId; $_.Exception.Message }'
        $Environment['PUBLISHTEST_MIRROR'] = $Mirror
        $Environment['PUBLISHTEST_URI'] = $ContainerUri
        $child = Start-ChildPwsh -Script $script -Environment $Environment -Without '^(AZURE_|IDENTITY_|MSI_)'
        $stderr = $child.StandardError.ReadToEndAsync()
        $stdout = $child.StandardOutput.ReadToEnd()
        $child.WaitForExit()
        $lines = @($stdout -split "`r?`n" | Where-Object { $_ })
        $lines.Count | Should -BeGreaterThan 0 -Because "the child printed nothing (stderr: $($stderr.Result))"
        [pscustomobject]@{ ErrorId = $lines[0]; Message = ($lines | Select-Object -Skip 1) -join "`n" }
    }

    # The smallest folder Publish-MaasMirror takes for a mirror: an index (it never parses it) and one payload.
    function New-TinyMirror([string] $Path) {
        New-Item -ItemType Directory (Join-Path $Path 'streams/v1') -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $Path 'streams/v1/index.json') -Value '{}'
        Set-Content -LiteralPath (Join-Path $Path 'payload.img') -Value 'payload'
        $Path
    }
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

    It 'reads a malformed AZURE_STORAGE_CONNECTION_STRING as InvalidConnectionString naming the variable' {
        $mirror = New-TinyMirror (Join-Path $TestDrive 'tiny-cs')
        $result = Invoke-ChildPublish $mirror 'https://mirrors.blob.core.windows.net/maas' @{ AZURE_STORAGE_CONNECTION_STRING = 'AccountName=mirrors;AccountKey=not base64!' }
        $result.ErrorId | Should -BeLike 'InvalidConnectionString,*'
        $result.Message | Should -BeLike '*connection string in AZURE_STORAGE_CONNECTION_STRING*not base64*'
        $result = Invoke-ChildPublish $mirror 'https://mirrors.blob.core.windows.net/maas' @{ AZURE_STORAGE_CONNECTION_STRING = 'BlobEndpoint=https://mirrors.blob.core.windows.net/' }
        $result.ErrorId | Should -BeLike 'InvalidConnectionString,*'
        $result.Message | Should -BeLike '*AZURE_STORAGE_CONNECTION_STRING has neither AccountName and AccountKey nor SharedAccessSignature*'
        $env:AZURE_STORAGE_CONNECTION_STRING | Should -BeNullOrEmpty -Because 'only the child had it'
    }

    It 'without a SAS, a connection string or any Azure identity is AuthenticationFailed saying how to sign in' {
        # DefaultAzureCredential finds nothing: no AZURE_* variables, no az/azd/pwsh on PATH, no profile
        # under HOME, and the managed identity endpoint (App Service style, so the Azure instance
        # metadata address is never tried) on a loopback port nobody listens on.
        $mirror = New-TinyMirror (Join-Path $TestDrive 'tiny-identity')
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'no-tools')
        $port = Get-FreeLoopbackPort
        $result = Invoke-ChildPublish $mirror "https://127.0.0.1:$(Get-FreeLoopbackPort)/devstoreaccount1/maas" @{
            PATH              = $empty.FullName
            HOME              = $empty.FullName
            IDENTITY_ENDPOINT = "http://127.0.0.1:$port/msi/token"
            IDENTITY_HEADER   = 'no-identity-here'
        }
        $result.ErrorId | Should -BeLike 'AuthenticationFailed,*'
        $result.Message | Should -BeLike '*no Azure identity could sign in*'
        $result.Message | Should -BeLike "*'az login'*"
        $result.Message | Should -BeLike '*managed identity*'
        $result.Message | Should -BeLike '*connection string*'
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
