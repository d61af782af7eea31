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

Export-ModuleMember -Function Start-TestServer, Stop-TestServer, Get-FreeLoopbackPort
