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

Export-ModuleMember -Function Start-TestServer, Stop-TestServer, Get-FreeLoopbackPort, Start-ChildPwsh
