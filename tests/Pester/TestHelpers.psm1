# Shared by the Pester suites: start the Kestrel test server as a separate process and stop it.

function Start-TestServer {
    param([Parameter(Mandatory)] [string] $Root)
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add($env:MAASIMAGES_TEST_SERVER)
    $psi.ArgumentList.Add('--root')
    $psi.ArgumentList.Add($Root)
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $null = $process.StandardError.ReadToEndAsync() # keep stderr drained
    $first = $process.StandardOutput.ReadLineAsync()
    if (-not $first.Wait([TimeSpan]::FromSeconds(30)) -or $first.Result -notmatch '^Listening on (?<url>\S+)') {
        $process.Kill($true)
        throw "The test server did not start: '$($first.Result)'"
    }
    [pscustomobject]@{ Process = $process; Url = $Matches.url }
}

function Stop-TestServer {
    param($Server)
    if ($Server -and -not $Server.Process.HasExited) {
        $Server.Process.StandardInput.Close() # EOF on stdin ends it
        if (-not $Server.Process.WaitForExit(5000)) { $Server.Process.Kill($true) }
    }
}

function Get-FreeLoopbackPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# A child pwsh (the same pwsh.dll when this one is hosted by dotnet) running $Script, with
# $Environment on top of this process's environment less the variables matching $Without; its
# output and error streams redirected. Nothing of this process's environment changes.
function Start-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{}, [string] $Without)
    $psi = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    $self = [Environment]::GetCommandLineArgs()[0]
    if ($self -like '*.dll') { $psi.ArgumentList.Add($self) }
    foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $Script) { $psi.ArgumentList.Add($argument) }
    if ($Without) {
        foreach ($name in @($psi.Environment.Keys)) { if ($name -match $Without) { $null = $psi.Environment.Remove($name) } }
    }
    foreach ($name in $Environment.Keys) { $psi.Environment[$name] = $Environment[$name] }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    [System.Diagnostics.Process]::Start($psi)
}

# Runs $Script in a child pwsh until the engine pauses at $Point (the test-only hook
# MAASIMAGES_TEST_PAUSE_AT / MAASIMAGES_TEST_PAUSE_DIR: the child writes a marker with its pid and
# blocks), then kills it with SIGKILL: no finally block, no Dispose runs. Waits for an event (the
# marker), not for time: the deadline only turns a hang into a failure.
function Stop-ChildPwshAt {
    param([Parameter(Mandatory)] [string] $Point, [Parameter(Mandatory)] [string] $Script,
        [Parameter(Mandatory)] [string] $PauseRoot, [hashtable] $Environment = @{})
    $pauseDir = Join-Path $PauseRoot "pause-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $pauseDir | Out-Null
    $childEnvironment = @{ MAASIMAGES_TEST_PAUSE_AT = $Point; MAASIMAGES_TEST_PAUSE_DIR = $pauseDir } + $Environment
    $child = Start-ChildPwsh -Script $Script -Environment $childEnvironment
    $stdout = $child.StandardOutput.ReadToEndAsync()
    $stderr = $child.StandardError.ReadToEndAsync()
    $marker = Join-Path $pauseDir $Point
    $deadline = [DateTime]::UtcNow.AddMinutes(3)
    while (-not (Test-Path -LiteralPath $marker) -and -not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 50
    }
    if (-not (Test-Path -LiteralPath $marker)) {
        if (-not $child.HasExited) { $child.Kill($true) }
        $child.WaitForExit()
        throw "The child never reached '$Point' (exit code $($child.ExitCode)): $($stdout.Result) $($stderr.Result)"
    }
    $paused = [int] (Get-Content -LiteralPath $marker -Raw)
    if ($paused -ne $child.Id) { throw "The process paused at '$Point' is $paused, not the child $($child.Id)." }
    Stop-Process -Id $paused -Force
    $child.WaitForExit()
}

Export-ModuleMember -Function Start-TestServer, Stop-TestServer, Get-FreeLoopbackPort, Start-ChildPwsh, Stop-ChildPwshAt
