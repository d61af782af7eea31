#Requires -Version 7.4
# README promises shown end to end in a child pwsh: the demo (`./build.ps1 -Task Demo` runs
# tools/Demo.ps1 on the built module) runs offline on the bundled, signed sample stream; a rack
# snapshot is named by UTC time whatever the machine's time zone.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModuleBase = Split-Path $env:MAASIMAGES_TEST_MODULE
    # Any HTTP request of the child goes to a port where nothing listens: "no network needed" holds only if none is made.
    $script:Offline = @{ HTTP_PROXY = 'http://127.0.0.1:9'; HTTPS_PROXY = 'http://127.0.0.1:9'; NO_PROXY = ''; MAASIMAGES_KEYRING = '' }

    # A child pwsh with $Environment; each *_PROXY variable also in lower case, the spelling curl and .NET read first.
    function Invoke-Child([string] $Script, [hashtable] $Environment) {
        $variables = [hashtable]::new([StringComparer]::Ordinal)
        foreach ($name in $Environment.Keys) {
            $variables[$name] = $Environment[$name]
            if ($name -like '*_PROXY') { $variables[$name.ToLowerInvariant()] = $Environment[$name] }
        }
        $child = Start-ChildPwsh -Script $Script -Environment $variables
        $stdout = $child.StandardOutput.ReadToEndAsync()
        $stderr = $child.StandardError.ReadToEndAsync()
        if (-not $child.WaitForExit([TimeSpan]::FromMinutes(5))) { $child.Kill($true); throw 'the child pwsh did not finish in 5 minutes' }
        [pscustomobject]@{ ExitCode = $child.ExitCode; Output = $stdout.Result; Errors = $stderr.Result }
    }
}

Describe 'The demo (./build.ps1 -Task Demo)' {
    BeforeAll {
        $script:demo = Join-Path $TestDrive 'demo'
        $tool = Join-Path $PSScriptRoot '../../tools/Demo.ps1'
        $script:run = Invoke-Child "& '$tool' -ModulePath '$($env:MAASIMAGES_TEST_MODULE)' -Destination '$demo'" $Offline
    }

    It 'uses the sample stream and key the README names, inside the built module' {
        Join-Path $ModuleBase 'samples/stream/streams/v1/index.sjson' | Should -Exist
        Join-Path $ModuleBase 'samples/keys/sample-signing-key.asc' | Should -Exist
    }

    It 'runs to the end offline, exit code 0, with no error' {
        $run.Errors | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
    }

    It 'verifies the signature of the sample stream' {
        $run.Output | Should -Match 'signed by [0-9A-F]{40} \(.*sample'
    }

    It 'saves a rack tree and a mirror, and re-runs fetching nothing' {
        (Get-Item (Join-Path $demo 'boot-resources/current')).LinkTarget | Should -Match '^snapshot-\d{8}-\d{6}(-\d+)?$'  # -1, -2 ... when the bootloaders' snapshot came in the same second
        Join-Path $demo 'boot-resources/current/maas.meta' | Should -Exist
        Join-Path $demo 'boot-resources/current/pxelinux.0' | Should -Exist
        Join-Path $demo 'mirror/streams/v1/index.sjson' | Should -Exist
        $run.Output | Should -Match 'bytes downloaded: 0,'
    }
}

Describe 'Snapshot names' {
    It 'are the UTC time of the save in a time zone 14 hours ahead' {
        $rack = Join-Path $TestDrive 'utc'
        $key = $env:MAASIMAGES_TEST_SAMPLE_KEY
        $script = "Import-Module '$($env:MAASIMAGES_TEST_MODULE)'; [TimeZoneInfo]::Local.BaseUtcOffset.TotalHours; " +
            "Get-MaasImageVersion -Source '$($env:MAASIMAGES_TEST_SAMPLE)' -Keyring '$key' -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path '$rack'"
        $before = [DateTime]::UtcNow.AddSeconds(-1)
        $child = Invoke-Child $script @{ TZ = 'Pacific/Kiritimati' }
        $after = [DateTime]::UtcNow.AddSeconds(1)
        $child.Errors | Should -BeNullOrEmpty
        $child.Output.Trim() | Should -Be '14' -Because 'the child runs in UTC+14, or the test shows nothing'
        $name = (Get-Item (Join-Path $rack 'current')).LinkTarget
        $name | Should -Match '^snapshot-\d{8}-\d{6}(-\d+)?$'  # -1, -2 ... when the bootloaders' snapshot came in the same second
        $stamp = [DateTime]::ParseExact($name.Substring(9), 'yyyyMMdd-HHmmss', [Globalization.CultureInfo]::InvariantCulture)
        $stamp | Should -BeGreaterOrEqual $before.AddTicks(-($before.Ticks % [TimeSpan]::TicksPerSecond))
        $stamp | Should -BeLessOrEqual $after
    }
}

Describe "The environment's proxy (HTTP_PROXY, NO_PROXY)" {
    BeforeAll {
        $script:Server = Start-TestServer -Root $env:MAASIMAGES_TEST_SAMPLE
        $script:Key = $env:MAASIMAGES_TEST_SAMPLE_KEY
    }
    AfterAll { Stop-TestServer $script:Server }

    It 'carries the metadata reads and the downloads of a host this machine cannot resolve' {
        # The test server serves any host's paths: as HTTP_PROXY it is a forward proxy for maas-mirror.invalid.
        $rack = Join-Path $TestDrive 'through-proxy'
        $script = "Import-Module '$($env:MAASIMAGES_TEST_MODULE)'; " +
            "Get-MaasStream -Source http://maas-mirror.invalid/ -Keyring '$Key' | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path '$rack'"
        $child = Invoke-Child $script @{ HTTP_PROXY = $Server.Url; NO_PROXY = '' }
        $child.Errors | Should -BeNullOrEmpty
        $child.ExitCode | Should -Be 0
        Join-Path $rack 'current/ubuntu/amd64/ga-24.04/noble/stable/squashfs' | Should -Exist
    }

    It 'is bypassed for the hosts NO_PROXY names' {
        $dead = "http://127.0.0.1:$(Get-FreeLoopbackPort)"
        $list = "Import-Module '$($env:MAASIMAGES_TEST_MODULE)'; (Get-MaasStream -Source '$($Server.Url)' -Keyring '$Key' -ErrorAction Stop).SignatureStatus"
        $bypassed = Invoke-Child $list @{ HTTP_PROXY = $dead; NO_PROXY = '127.0.0.1' }
        $bypassed.Errors | Should -BeNullOrEmpty
        $bypassed.Output.Trim() | Should -Be 'Verified'
        # The same read without NO_PROXY goes to the dead proxy: the variable really was in effect.
        $proxied = Invoke-Child $list @{ HTTP_PROXY = $dead; NO_PROXY = '' }
        $proxied.ExitCode | Should -Not -Be 0
        $proxied.Errors | Should -Match 'SourceUnreachable|Cannot|refused'
    }
}
