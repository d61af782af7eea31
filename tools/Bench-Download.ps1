#Requires -Version 7.4
<#
.SYNOPSIS
    Download benchmark for Save-MaasImage, reported against a baseline measured in the same run.
.DESCRIPTION
    A private nginx (127.0.0.1 only, own config in the work folder) serves a synthetic stream in
    the real images.maas.io shape: jammy + noble, amd64 + arm64, two versions each; only the newest
    amd64 version has big files (a squashfs shared by the ga and hwe kernels, plus an initrd and a
    kernel per kernel), 2 x 400 + 4 x 100 + 4 x 12 = 1248 MB of unique bytes by default.

      cold      Get-MaasStream | Get-MaasImageVersion -Arch amd64 -Latest | Save-MaasImage (rack
                layout, empty destination) in a fresh 'dotnet pwsh', against
                'curl -s URL | tee FILE | openssl dgst -sha256' with 2 workers (xargs -P 2);
                alternated twice (after a warm-up round that is not counted) because the page cache cannot be dropped. Peak RSS of the pwsh.
                The pwsh's CPU time during the Save call / its wall time: the cores it kept busy.
      no-op     the same command on the populated destination (whole process), and the Save call
                3 times more in that session (a no-op run inside a session: their median).
      verify    Test-MaasBootResource -Path <the saved tree> (the call, in a fresh pwsh) against
                sha256sum of the same files with 2 workers (xargs -P 2); alternated twice.
      resume    killed at ~50 % of the bytes, run again; bytes nginx sent for both runs / data size.

    Prints a Results block with PASS/FAIL against the targets and exits 0 either way: it reports,
    it is not a test. The synthetic stream is kept in the work folder for the next run.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $WorkFolder,
    [int] $SquashfsMB = 400,
    [int] $InitrdMB = 100,
    [int] $KernelMB = 12
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
New-Item -ItemType Directory -Force -Path $WorkFolder | Out-Null
$WorkFolder = (Resolve-Path -LiteralPath $WorkFolder).Path
# 'dotnet pwsh' is a local tool: it resolves only inside the repository (dotnet-tools.json).
$RepoRoot = Split-Path $PSScriptRoot -Parent
Set-Location -LiteralPath $RepoRoot

# Targets the Results block judges against.
# (issue 15: the Save call <= 0.45 and the whole process <= 0.8 of the shell pipeline, >= 1.7 of
# 2 cores busy, a no-op call in a session <= 0.05 s, <= 200 MB peak RSS, verification <= 0.6 of
# sha256sum.)
$Targets = @{
    SaveRatio = 0.45; ProcessRatio = 0.8; Cores = 1.7; SessionNoopSeconds = 0.05; RssMB = 200; VerifyRatio = 0.6
    NoopSeconds = 2.0; ResumeRatio = 1.05
}
$RackFileTypes = @('boot-kernel', 'boot-initrd', 'squashfs')   # what a rack controller downloads

# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $mid = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

function Find-Tool([string] $Name, [string[]] $Fallbacks = @()) {
    $command = Get-Command $Name -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($command) { return $command.Source }
    # root's PATH may lack /usr/sbin (nginx lives there on Debian).
    foreach ($path in $Fallbacks) { if (Test-Path -LiteralPath $path) { return $path } }
    $null
}

# apt-get install, quietly; $true when it worked. RUNLEVEL=1 keeps invoke-rc.d from starting the
# system service (nginx on port 80) that the package would otherwise start.
function Install-AptPackage([string] $Package) {
    if (-not (Find-Tool 'apt-get')) { return $false }
    $saved = $env:RUNLEVEL, $env:DEBIAN_FRONTEND
    try {
        $env:RUNLEVEL = '1'
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & apt-get update -qq 2>&1 | Out-Null
        & apt-get install -y -qq $Package 2>&1 | ForEach-Object { Write-Host "    $_" }
        $LASTEXITCODE -eq 0
    }
    catch { $false }
    finally { $env:RUNLEVEL, $env:DEBIAN_FRONTEND = $saved }
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Random bytes (incompressible, nothing to gain from caching tricks) hashed in the same pass.
function New-RandomFile([string] $Path, [long] $Size) {
    [void][System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($Path))
    $buffer = [byte[]]::new([math]::Min(4MB, [math]::Max(1, $Size)))
    $hash = [System.Security.Cryptography.IncrementalHash]::CreateHash([System.Security.Cryptography.HashAlgorithmName]::SHA256)
    $file = [System.IO.FileStream]::new($Path, [System.IO.FileMode]::Create, [System.IO.FileAccess]::Write, [System.IO.FileShare]::None, 1)
    try {
        for ($left = $Size; $left -gt 0; $left -= $n) {
            $n = [int][math]::Min($buffer.Length, $left)
            [Random]::Shared.NextBytes($buffer)
            $file.Write($buffer, 0, $n)
            $hash.AppendData($buffer, 0, $n)
        }
    }
    finally { $file.Dispose() }
    [Convert]::ToHexString($hash.GetHashAndReset()).ToLowerInvariant()
}

# The stream: real shape (products:1.0, product-level props, one squashfs per release/arch/version
# listed by every kernel product), big files only where the benchmark fetches.
function New-DownloadStream([string] $Root) {
    if (Test-Path -LiteralPath $Root) { Remove-Item -LiteralPath $Root -Recurse -Force }
    $written = @{}
    $addFile = {
        param([string] $Path, [long] $Size)
        if (-not $written.ContainsKey($Path)) {
            $sha = New-RandomFile (Join-Path $Root $Path) $Size
            $written[$Path] = [ordered]@{ path = $Path; sha256 = $sha; size = $Size }
        }
        $written[$Path]
    }
    $subarches = 'generic,hwe-p,hwe-q,hwe-r,hwe-s,hwe-t,hwe-u,hwe-v,hwe-w,ga-16.04,ga-16.10,ga-17.04,ga-17.10,ga-18.04,ga-18.10,ga-19.04,ga-19.10,ga-20.04,ga-20.10,ga-21.04,ga-21.10,ga-22.04'
    $releases = @(
        @{ release = 'jammy'; version = '22.04'; codename = 'Jammy Jellyfish'; title = '22.04 LTS'; eol = '2027-04-21'; esm = '2032-04-21' },
        @{ release = 'noble'; version = '24.04'; codename = 'Noble Numbat'; title = '24.04 LTS'; eol = '2029-05-31'; esm = '2034-04-25' })
    $versionNames = @('20250701', '20250718')   # the newest last
    $products = [ordered]@{}
    foreach ($rel in $releases) {
        # arm64 carries only ga and tiny files: there so that -Arch amd64 has something to leave out.
        foreach ($arch in 'amd64', 'arm64') {
            $kernels = if ($arch -eq 'amd64') { @("ga-$($rel.version)", "hwe-$($rel.version)") } else { @("ga-$($rel.version)") }
            foreach ($subarch in $kernels) {
                $versions = [ordered]@{}
                foreach ($vname in $versionNames) {
                    $big = $arch -eq 'amd64' -and $vname -eq $versionNames[-1]
                    $tiny = 4096 + 7 * $versionNames.IndexOf($vname)
                    $kdir = "$($rel.release)/$arch/$vname/$subarch/generic"
                    $squashfs = & $addFile "$($rel.release)/$arch/$vname/squashfs" $(if ($big) { $SquashfsMB * 1MB } else { $tiny })
                    $manifest = & $addFile "$($rel.release)/$arch/$vname/squashfs.manifest" 1024
                    $initrd = & $addFile "$kdir/boot-initrd" $(if ($big) { $InitrdMB * 1MB } else { $tiny })
                    $kernel = & $addFile "$kdir/boot-kernel" $(if ($big) { $KernelMB * 1MB } else { $tiny })
                    $kpackage = if ($subarch -like 'hwe-*') { "linux-generic-hwe-$($rel.version)" } else { 'linux-generic' }
                    $versions[$vname] = [ordered]@{
                        items = [ordered]@{
                            'boot-initrd' = [ordered]@{ ftype = 'boot-initrd'; kpackage = $kpackage; path = $initrd.path; sha256 = $initrd.sha256; size = $initrd.size }
                            'boot-kernel' = [ordered]@{ ftype = 'boot-kernel'; kpackage = $kpackage; path = $kernel.path; sha256 = $kernel.sha256; size = $kernel.size }
                            'manifest'    = [ordered]@{ ftype = 'manifest'; path = $manifest.path; sha256 = $manifest.sha256; size = $manifest.size }
                            'squashfs'    = [ordered]@{ ftype = 'squashfs'; path = $squashfs.path; sha256 = $squashfs.sha256; size = $squashfs.size }
                        }
                    }
                }
                $products["com.ubuntu.maas.stable:v3:boot:$($rel.version):$($arch):$subarch"] = [ordered]@{
                    arch = $arch; kflavor = 'generic'; krel = $rel.release; label = 'stable'; os = 'ubuntu'
                    release = $rel.release; release_codename = $rel.codename; release_title = $rel.title
                    subarch = $subarch; subarches = $subarches; support_eol = $rel.eol; support_esm_eol = $rel.esm
                    version = $rel.version; versions = $versions
                }
            }
        }
    }
    $contentId = 'com.ubuntu.maas:stable:v3:download'
    $updated = 'Fri, 18 Jul 2025 10:15:30 +0000'
    $v1 = Join-Path $Root 'streams/v1'
    New-Item -ItemType Directory -Force -Path $v1 | Out-Null
    [ordered]@{ content_id = $contentId; datatype = 'image-ids'; format = 'products:1.0'; products = $products; updated = $updated } |
        ConvertTo-Json -Depth 20 | Set-Content -LiteralPath (Join-Path $v1 "$contentId.json")
    [ordered]@{
        format  = 'index:1.0'
        index   = [ordered]@{
            $contentId = [ordered]@{
                datatype = 'image-ids'; format = 'products:1.0'; path = "streams/v1/$contentId.json"
                products = @($products.Keys | Sort-Object); updated = $updated
            }
        }
        updated = $updated
    } | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath (Join-Path $v1 'index.json')
}

# Every item of the products document, with a flag for "is on disk with the right size".
function Get-StreamItems([string] $Root) {
    $doc = Get-Content -LiteralPath (Join-Path $Root 'streams/v1/com.ubuntu.maas:stable:v3:download.json') -Raw | ConvertFrom-Json -AsHashtable
    foreach ($product in $doc.products.Values) {
        $newest = @($product.versions.Keys | Sort-Object)[-1]
        foreach ($vname in $product.versions.Keys) {
            foreach ($item in $product.versions[$vname].items.Values) {
                $file = [System.IO.FileInfo]::new((Join-Path $Root $item.path))
                [pscustomobject]@{
                    Arch = $product.arch; Newest = ($vname -eq $newest); FileType = $item.ftype
                    Path = $item.path; Sha256 = $item.sha256; Size = [long] $item.size
                    Present = $file.Exists -and $file.Length -eq $item.size
                }
            }
        }
    }
}

# Bytes under <destination>/cache: finished files and *.partial (not the .partial.json sidecars).
function Get-CacheBytes([string] $Destination) {
    $cache = Join-Path $Destination 'cache'
    if (-not [System.IO.Directory]::Exists($cache)) { return 0 }
    $sum = 0L
    foreach ($f in [System.IO.DirectoryInfo]::new($cache).EnumerateFiles()) {
        if (-not $f.Name.EndsWith('.json')) { $sum += $f.Length }
    }
    $sum
}

# Peak RSS of a process tree, read from /proc while it runs (used only without /usr/bin/time):
# 'dotnet pwsh' is dotnet -> tool shim -> pwsh.dll, so the whole tree is searched.
function Get-TreePeakKB([int] $RootId) {
    $parents = @{}
    foreach ($dir in [System.IO.Directory]::EnumerateDirectories('/proc')) {
        $name = [System.IO.Path]::GetFileName($dir)
        if ($name -notmatch '^\d+$') { continue }
        try { $stat = [System.IO.File]::ReadAllText("$dir/stat") } catch { continue }
        $parents[[int]$name] = [int] ($stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1])
    }
    $tree = [System.Collections.Generic.HashSet[int]]::new()
    [void]$tree.Add($RootId)
    do {
        $grew = $false
        foreach ($entry in $parents.GetEnumerator()) { if ($tree.Contains($entry.Value) -and $tree.Add($entry.Key)) { $grew = $true } }
    } while ($grew)
    $peak = 0
    foreach ($id in $tree) {
        try { $status = [System.IO.File]::ReadAllText("/proc/$id/status") } catch { continue }
        if ($status -match 'VmHWM:\s+(\d+) kB') { $peak = [math]::Max($peak, [int]$Matches[1]) }
    }
    $peak
}

# ------------------------------------------------------------------------------------------------
# nginx
# ------------------------------------------------------------------------------------------------

function Start-Nginx([string] $Nginx, [string] $Folder, [string] $DocRoot, [int] $Port, [int] $LoggedPort) {
    New-Item -ItemType Directory -Force -Path (Join-Path $Folder 'temp') | Out-Null
    # 'user' only matters (and is only accepted quietly) when the master runs as root: serve as
    # root so a work folder under a private home folder stays readable for the workers.
    $user = if ((& id -u) -eq '0') { 'user root root;' } else { '' }
    $temp = Join-Path $Folder 'temp'
    $config = @"
# Private benchmark instance: started and stopped by tools/Bench-Download.ps1; 127.0.0.1 only.
$user
daemon off;
worker_processes 2;
pid '$Folder/nginx.pid';
error_log '$Folder/error.log' warn;
events { worker_connections 256; }
http {
    types { application/json json; }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30;
    # Temp folders in the work folder too: nothing of the system nginx is used or changed.
    client_body_temp_path '$temp/body';
    proxy_temp_path '$temp/proxy';
    fastcgi_temp_path '$temp/fastcgi';
    uwsgi_temp_path '$temp/uwsgi';
    scgi_temp_path '$temp/scgi';
    log_format bytes '`$status `$body_bytes_sent "`$request_uri" "`$http_range"';
    # Timed runs: no access log.
    server {
        listen 127.0.0.1:$Port;
        root '$DocRoot';
        access_log off;
    }
    # Resume runs: every response logged with the body bytes nginx actually sent.
    server {
        listen 127.0.0.1:$LoggedPort;
        root '$DocRoot';
        access_log '$Folder/access.log' bytes;
    }
}
"@
    $configPath = Join-Path $Folder 'nginx.conf'
    Set-Content -LiteralPath $configPath -Value $config
    $common = @('-p', "$Folder/", '-c', $configPath, '-e', (Join-Path $Folder 'error.log'))
    $check = & $Nginx @common -t 2>&1
    if ($LASTEXITCODE) { throw "nginx rejected $configPath`: $($check -join ' ')" }
    $process = [System.Diagnostics.Process]::Start($Nginx, [string[]] $common)
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    foreach ($p in $Port, $LoggedPort) {
        while ($true) {
            if ($process.HasExited) { throw "nginx exited with code $($process.ExitCode); see $Folder/error.log" }
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect([System.Net.IPAddress]::Loopback, $p); break } catch { } finally { $client.Dispose() }
            if ([DateTime]::UtcNow -gt $deadline) { throw "nginx did not listen on 127.0.0.1:$p within 10 s" }
            Start-Sleep -Milliseconds 50
        }
    }
    [pscustomobject]@{ Process = $process; Nginx = $Nginx; Arguments = $common }
}

function Stop-Nginx($Server) {
    if ($Server.Process.HasExited) { return }
    # 'nginx -s stop' signals the master (pid file), which stops its workers; a KILL of the master
    # alone would leave the workers orphaned and listening.
    & $Server.Nginx @($Server.Arguments) -s stop 2>&1 | Out-Null
    if (-not $Server.Process.WaitForExit(10000)) { $Server.Process.Kill($true) }
}

# ------------------------------------------------------------------------------------------------
# Child processes
# ------------------------------------------------------------------------------------------------

# 'dotnet <args>' started directly (not through the pipeline), so it can be polled and killed.
function Start-Dotnet([string[]] $Arguments) {
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    $info.WorkingDirectory = $RepoRoot   # Process.Start does not follow Set-Location
    $info.UseShellExecute = $false
    [System.Diagnostics.Process]::Start($info)
}

# The measured command, in a fresh pwsh: listing and saving are timed separately inside it.
$SaveScript = Join-Path $WorkFolder 'save.ps1'
Set-Content -LiteralPath $SaveScript -Value @'
param([string] $ModulePath, [string] $Source, [string] $Destination, [int] $ThrottleLimit, [string] $ResultPath, [switch] $Again)
$ErrorActionPreference = 'Stop'
$watch = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$import = $watch.Elapsed.TotalSeconds
$watch.Restart()
# The synthetic stream is unsigned: reading it needs -SkipSignatureCheck (the warning is expected).
$images = Get-MaasStream -Source $Source -SkipSignatureCheck -WarningAction SilentlyContinue | Get-MaasImageVersion -Arch amd64 -Latest
$list = $watch.Elapsed.TotalSeconds
$watch.Restart()
$save = @{ Path = $Destination; Layout = 'Rack' }
if ($ThrottleLimit -gt 0) { $save.ThrottleLimit = $ThrottleLimit }
$self = [Diagnostics.Process]::GetCurrentProcess()
$cpu = $self.TotalProcessorTime
$images | Save-MaasImage @save
$saved = $watch.Elapsed.TotalSeconds
$self.Refresh()
$cores = ($self.TotalProcessorTime - $cpu).TotalSeconds / $saved
# -Again: the same call 3 times more in this session, on what the first one saved (no-ops): the median.
$againSeconds = $null
if ($Again) {
    $times = foreach ($n in 1..3) {
        $watch.Restart()
        $null = $images | Save-MaasImage @save
        $watch.Elapsed.TotalSeconds
    }
    $againSeconds = @($times | Sort-Object)[1]
}
# Written without ConvertTo-Json/Set-Content: the first use of those in the process (loading and
# compiling them) would be counted in the whole-process time, and it is not the user's command.
if ($ResultPath) {
    $n = { param($v) if ($null -eq $v) { 'null' } else { ([double]$v).ToString('R', [cultureinfo]::InvariantCulture) } }
    [IO.File]::WriteAllText($ResultPath, ('{{"Images":{0},"ImportSeconds":{1},"ListSeconds":{2},"SaveSeconds":{3},"Cores":{4},"AgainSeconds":{5}}}' -f
        @($images).Count, (& $n $import), (& $n $list), (& $n $saved), (& $n $cores), (& $n $againSeconds)))
}
'@

# $Launcher: 'pwsh' (the dotnet local tool, as users of this repository run it) or a pwsh.dll path.
function Get-SaveArguments([string] $Source, [string] $Destination, [int] $ThrottleLimit, [string] $ResultPath, [string] $Launcher = 'pwsh', [switch] $Again) {
    @($Launcher, '-NoProfile', '-NonInteractive', '-File', $SaveScript, '-ModulePath', $ModulePath, '-Source', $Source,
        '-Destination', $Destination, '-ThrottleLimit', $ThrottleLimit, '-ResultPath', $ResultPath) + @(if ($Again) { '-Again' })
}

# Runs the save in a child 'dotnet pwsh'; returns wall time of the whole process, the times the
# child measured itself, and the peak RSS of the biggest process of the tree.
function Invoke-Save([string] $Source, [string] $Destination, [int] $ThrottleLimit, [string] $Launcher = 'pwsh', [switch] $Again) {
    $resultPath = Join-Path $WorkFolder 'save-result.json'
    $timePath = Join-Path $WorkFolder 'save-time.txt'
    Remove-Item -LiteralPath $resultPath, $timePath -ErrorAction Ignore
    $arguments = Get-SaveArguments $Source $Destination $ThrottleLimit $resultPath $Launcher -Again:$Again
    $peakKB = $null
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if ($script:TimeBin) {
        # GNU time reports the largest maxrss among the processes it waited for (here, pwsh.dll).
        & $script:TimeBin -v -o $timePath dotnet @arguments | ForEach-Object { Write-Host "    | $_" }
        $exit = $LASTEXITCODE
        $wall = $watch.Elapsed.TotalSeconds
        if ((Get-Content -LiteralPath $timePath -Raw) -match 'Maximum resident set size \(kbytes\): (\d+)') { $peakKB = [long]$Matches[1] }
    }
    else {
        $process = Start-Dotnet $arguments
        $peakKB = 0
        while (-not $process.WaitForExit(100)) { $peakKB = [math]::Max($peakKB, (Get-TreePeakKB $process.Id)) }
        $process.WaitForExit()
        $exit = $process.ExitCode
        $wall = $watch.Elapsed.TotalSeconds
    }
    $inside = if (Test-Path -LiteralPath $resultPath) { Get-Content -LiteralPath $resultPath -Raw | ConvertFrom-Json } else { $null }
    [pscustomobject]@{
        Ok = ($exit -eq 0 -and $null -ne $inside); ExitCode = $exit; Wall = $wall
        Import = $inside ? $inside.ImportSeconds : $null; List = $inside ? $inside.ListSeconds : $null; Save = $inside ? $inside.SaveSeconds : $null
        Images = $inside ? $inside.Images : 0; PeakMB = $peakKB ? $peakKB / 1024 : $null
        Cores = $inside ? $inside.Cores : $null; Again = $inside ? $inside.AgainSeconds : $null
        # Process start + exit: what the whole-process time adds to the work the child timed.
        Overhead = $inside ? $wall - $inside.ImportSeconds - $inside.ListSeconds - $inside.SaveSeconds : $null
    }
}

# The baseline: 2 workers, each 'curl | tee | openssl dgst' (fetch, write and hash in one pass,
# like the cmdlet), biggest files first (as the cmdlet orders them).
$BaselineScript = Join-Path $WorkFolder 'baseline.sh'
Set-Content -LiteralPath $BaselineScript -Value @'
#!/bin/bash
# $1: list of "URL NAME" lines; $2: output folder. NAME.sha256 gets the digest of what arrived.
cd "$2" || exit 1
xargs -P 2 -L 1 bash -o pipefail -c 'curl -sSf "$0" | tee "$1" | openssl dgst -sha256 -r > "$1.sha256"' < "$1"
'@

function Invoke-Baseline([string] $BaseUrl, [object[]] $Files, [string] $Folder) {
    if (Test-Path -LiteralPath $Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force }
    New-Item -ItemType Directory -Path $Folder | Out-Null
    $list = Join-Path $WorkFolder 'baseline-list.txt'
    Set-Content -LiteralPath $list -Value ($Files | Sort-Object Size -Descending | ForEach-Object { "$BaseUrl/$($_.Path) $($_.Sha256)" })
    & sync
    $cpuPath = Join-Path $WorkFolder 'baseline-time.txt'
    Remove-Item -LiteralPath $cpuPath -ErrorAction Ignore
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if ($script:TimeBin) { & $script:TimeBin -f '%U %S' -o $cpuPath bash $BaselineScript $list $Folder } else { & bash $BaselineScript $list $Folder }
    $exit = $LASTEXITCODE
    $wall = $watch.Elapsed.TotalSeconds
    # CPU of the shell side (curl, tee, openssl; nginx not counted) / wall: the cores it kept busy.
    $cores = if ((Test-Path -LiteralPath $cpuPath) -and (Get-Content -LiteralPath $cpuPath -Raw) -match '([\d.]+) ([\d.]+)') { ([double]$Matches[1] + [double]$Matches[2]) / $wall } else { $null }
    $bad = @($Files | Where-Object {
            $digest = Join-Path $Folder "$($_.Sha256).sha256"
            -not (Test-Path -LiteralPath $digest) -or (Get-Content -LiteralPath $digest -Raw).Split(' ')[0] -ne $_.Sha256
        })
    [pscustomobject]@{ Ok = ($exit -eq 0 -and $bad.Count -eq 0); ExitCode = $exit; Wall = $wall; Mismatches = $bad.Count; Cores = $cores }
}

# sha256sum of the files with 2 workers, as a shell would check a tree.
function Invoke-Sha256Sum([string] $Folder, [object[]] $Files) {
    $list = Join-Path $WorkFolder 'sha256sum-list.txt'
    Set-Content -LiteralPath $list -Value ($Files | Sort-Object Size -Descending | ForEach-Object { Join-Path $Folder $_.Sha256 })
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $out = & bash -c 'xargs -P 2 -n 1 sha256sum < "$1"' bash $list
    $exit = $LASTEXITCODE
    $wall = $watch.Elapsed.TotalSeconds
    $bad = @($out | Where-Object { $_ -match '^([0-9a-f]{64}) .*/([0-9a-f]{64})$' -and $Matches[1] -ne $Matches[2] })
    [pscustomobject]@{ Ok = ($exit -eq 0 -and @($out).Count -eq $Files.Count -and $bad.Count -eq 0); ExitCode = $exit; Wall = $wall }
}

# Test-MaasBootResource on the saved tree in a fresh pwsh: the call timed inside, and the process.
$VerifyScript = Join-Path $WorkFolder 'verify.ps1'
Set-Content -LiteralPath $VerifyScript -Value @'
param([string] $ModulePath, [string] $Path, [string] $ResultPath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$watch = [Diagnostics.Stopwatch]::StartNew()
$report = @(Test-MaasBootResource -Path $Path)
$call = $watch.Elapsed.TotalSeconds
$statuses = @($report | Group-Object { "$($_.Status)" } | ForEach-Object { "$($_.Name)=$($_.Count)" })
[ordered]@{ CallSeconds = $call; Count = $report.Count; Statuses = ($statuses -join ',') } | ConvertTo-Json -Compress | Set-Content -LiteralPath $ResultPath
'@

function Invoke-Verify([string] $Destination, [int] $UniqueFiles) {
    $resultPath = Join-Path $WorkFolder 'verify-result.json'
    Remove-Item -LiteralPath $resultPath -ErrorAction Ignore
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    & dotnet pwsh -NoProfile -NonInteractive -File $VerifyScript -ModulePath $ModulePath -Path $Destination -ResultPath $resultPath | ForEach-Object { Write-Host "    | $_" }
    $exit = $LASTEXITCODE
    $wall = $watch.Elapsed.TotalSeconds
    $inside = if (Test-Path -LiteralPath $resultPath) { Get-Content -LiteralPath $resultPath -Raw | ConvertFrom-Json } else { $null }
    $why = if ($exit -ne 0 -or -not $inside) { "exit $exit" } elseif ($inside.Statuses -notmatch '^Ok=\d+$') { "statuses $($inside.Statuses)" } else { $null }
    [pscustomobject]@{ Ok = -not $why; Why = $why; Wall = $wall; Call = $inside ? $inside.CallSeconds : $null }
}

# What the cmdlet left in cache/: every expected file, nothing else, no partial left behind.
function Test-RackCache([string] $Destination, [object[]] $Files) {
    $cache = Join-Path $Destination 'cache'
    if (-not (Test-Path -LiteralPath $cache)) { return 'no cache folder' }
    $names = @(Get-ChildItem -LiteralPath $cache -File | ForEach-Object Name)
    $missing = @($Files | Where-Object { $_.Sha256 -notin $names -or (Get-Item -LiteralPath (Join-Path $cache $_.Sha256)).Length -ne $_.Size })
    $extra = @($names | Where-Object { $_ -notin $Files.Sha256 })
    if ($missing.Count -or $extra.Count) { return "cache has $($missing.Count) missing/short and $($extra.Count) unexpected file(s)" }
    if (-not (Test-Path -LiteralPath (Join-Path $Destination 'current'))) { return "no 'current' link" }
    $null
}

function Remove-Folder([string] $Path) {
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Recurse -Force }
}

function Format-Seconds($Value) { if ($null -eq $Value) { 'n/a' } else { '{0:N2} s' -f $Value } }
$fmt = { param($v, $f) if ($null -eq $v) { 'n/a' } else { $f -f $v } }

# ------------------------------------------------------------------------------------------------
# Setup: nginx, /usr/bin/time, the stream
# ------------------------------------------------------------------------------------------------

$nginx = Find-Tool 'nginx' @('/usr/sbin/nginx')
if (-not $nginx) {
    Write-Host '==> nginx is not on PATH: installing it (apt-get update; apt-get install -y nginx)'
    [void](Install-AptPackage 'nginx')
    $nginx = Find-Tool 'nginx' @('/usr/sbin/nginx')
    if (-not $nginx) {
        Write-Host 'Bench-Download skipped: nginx unavailable (not on PATH and apt-get install -y nginx failed).'
        exit 0
    }
}
$script:TimeBin = Find-Tool 'time' @('/usr/bin/time')   # GNU time (a binary), not the shell keyword
if (-not $script:TimeBin) {
    Write-Host '==> /usr/bin/time is missing: installing it (apt-get install -y time)'
    [void](Install-AptPackage 'time')
    $script:TimeBin = Find-Tool 'time' @('/usr/bin/time')
    if (-not $script:TimeBin) { Write-Host '    not available: peak RSS comes from polling /proc/<pid>/status VmHWM instead' }
}

# A private copy of the module: a rebuild of out/ during the run cannot change (or break) what is measured.
$moduleCopy = Join-Path $WorkFolder 'module'
Remove-Folder $moduleCopy
Copy-Item -LiteralPath (Split-Path $ModulePath -Parent) -Destination $moduleCopy -Recurse
$ModulePath = Join-Path $moduleCopy (Split-Path $ModulePath -Leaf)

$streamRoot = Join-Path $WorkFolder 'stream'
$stampPath = Join-Path $WorkFolder 'stream.json'
$stamp = "squashfs=$SquashfsMB initrd=$InitrdMB kernel=$KernelMB"
$items = $null
if ((Test-Path -LiteralPath $stampPath) -and (Get-Content -LiteralPath $stampPath -Raw).Trim() -eq $stamp) {
    $items = @(Get-StreamItems $streamRoot)
    if (@($items | Where-Object { -not $_.Present }).Count) { $items = $null }
}
if ($items) {
    Write-Host "==> Reusing the synthetic stream in $streamRoot ($stamp MB)"
}
else {
    Write-Host "==> Synthesising a stream ($stamp MB) in $streamRoot"
    Remove-Item -LiteralPath $stampPath -ErrorAction Ignore
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    New-DownloadStream $streamRoot
    $items = @(Get-StreamItems $streamRoot)
    Set-Content -LiteralPath $stampPath -Value $stamp   # last: a half-written stream is never reused
    Write-Host ("    {0:N1} s" -f $watch.Elapsed.TotalSeconds)
}
# The unique files Get-MaasImageVersion -Arch amd64 -Latest | Save-MaasImage must fetch.
$wanted = @($items | Where-Object { $_.Arch -eq 'amd64' -and $_.Newest -and $_.FileType -in $RackFileTypes } | Sort-Object Sha256 -Unique)
$dataBytes = ($wanted | Measure-Object Size -Sum).Sum
$dataMB = $dataBytes / 1MB
Write-Host ("    {0} files in the stream, {1} unique files ({2:N0} MB) to fetch for amd64 latest" -f $items.Count, $wanted.Count, $dataMB)

$port = Get-FreePort
$loggedPort = Get-FreePort
while ($loggedPort -eq $port) { $loggedPort = Get-FreePort }
$nginxFolder = Join-Path $WorkFolder 'nginx'
New-Item -ItemType Directory -Force -Path $nginxFolder | Out-Null
$source = "http://127.0.0.1:$port"
$loggedSource = "http://127.0.0.1:$loggedPort"
$baselineFolder = Join-Path $WorkFolder 'baseline-download'
$destination = Join-Path $WorkFolder 'rack'
$resumeDestination = Join-Path $WorkFolder 'rack-resume'
$accessLog = Join-Path $nginxFolder 'access.log'

$baselineRuns = [System.Collections.Generic.List[object]]::new()
$oursRuns = [System.Collections.Generic.List[object]]::new()
$defaultRuns = [System.Collections.Generic.List[object]]::new()
$noopRuns = [System.Collections.Generic.List[double]]::new()
$noopDirectRuns = [System.Collections.Generic.List[double]]::new()
$sessionNoopRuns = [System.Collections.Generic.List[double]]::new()
$verifyRuns = [System.Collections.Generic.List[object]]::new()
$sumRuns = [System.Collections.Generic.List[object]]::new()
$problems = [System.Collections.Generic.List[string]]::new()
$resume = $null
$pwshStart = $null
$server = $null

try {
    try { $server = Start-Nginx $nginx $nginxFolder $streamRoot $port $loggedPort }
    catch {
        Write-Host "Bench-Download skipped: nginx unavailable ($($_.Exception.Message))."
        exit 0
    }
    Write-Host "==> nginx ($nginx) serving $streamRoot on 127.0.0.1:$port (and :$loggedPort with an access log)"

    # --------------------------------------------------------------------------------------------
    # Cold: baseline and ours alternately (the page cache cannot be dropped, so neither side
    # always runs first); every run into an empty folder, after a sync so no writeback of the
    # previous run lands in the next one. Round 0 is a warm-up, run the same way and not counted:
    # in quiet runs the first save of a run was up to 1.6x slower than the same save one round
    # later (3.63 s against 2.30 s, its CPU time 6.7 s against 3.8 s), while the process itself
    # does the same work in both (each run is a fresh pwsh: its start-up and first-call costs are
    # in every counted run). The warm-up gives every counted run the same machine state: nginx
    # serving, the stream and the module in the page cache, the file system having freed and
    # reused the space of a 1.25 GB download.
    # --------------------------------------------------------------------------------------------
    foreach ($round in 0, 1, 2) {
        $counted = $round -gt 0
        Write-Host $(if ($counted) { "==> Cold round $round of 2" } else { '==> Warm-up round (same runs, not counted)' })
        $b = Invoke-Baseline $source $wanted $baselineFolder
        if ($counted) { $baselineRuns.Add($b) }
        Write-Host ("    baseline curl|tee|openssl x2      : {0}, {1} cores busy{2}" -f (Format-Seconds $b.Wall), (& $fmt $b.Cores '{0:N2}'), $(if ($b.Ok) { '' } else { "  FAILED (exit $($b.ExitCode), $($b.Mismatches) hash mismatch(es))" }))
        Remove-Folder $baselineFolder

        foreach ($throttle in 2, 0) {
            Remove-Folder $destination
            & sync
            $r = Invoke-Save $source $destination $throttle
            $label = if ($throttle) { "-ThrottleLimit $throttle" } else { 'default throttle' }
            if ($r.Ok -and $r.Images -ne 4) { $r.Ok = $false; $problems.Add("listing returned $($r.Images) image versions, expected 4") }
            if ($r.Ok -and ($why = Test-RackCache $destination $wanted)) { $r.Ok = $false; $problems.Add("Save-MaasImage ($label): $why") }
            if (-not $r.Ok) { $problems.Add("Save-MaasImage ($label) cold run $round failed (exit $($r.ExitCode))") }
            if ($counted) { if ($throttle) { $oursRuns.Add($r) } else { $defaultRuns.Add($r) } }
            Write-Host ("    Save-MaasImage {0,-18} : process {1} (start+exit {2}, import {3}, listing {4}, save {5} with {6} cores busy), peak RSS {7}{8}" -f $label,
                (Format-Seconds $r.Wall), (Format-Seconds $r.Overhead), (Format-Seconds $r.Import), (Format-Seconds $r.List), (Format-Seconds $r.Save),
                (& $fmt $r.Cores '{0:N2}'), $(if ($r.PeakMB) { '{0:N0} MB' -f $r.PeakMB } else { 'n/a' }), $(if ($r.Ok) { '' } else { '  FAILED' }))
        }
    }

    # --------------------------------------------------------------------------------------------
    # No-op: the same command on the destination the last cold run populated.
    # --------------------------------------------------------------------------------------------
    Write-Host '==> No-op re-run on the populated destination (whole process, 3 times; and the Save call again inside each)'
    if ($defaultRuns[-1].Ok) {
        $before = (Get-Item -LiteralPath (Join-Path $destination 'current')).LinkTarget
        $cacheTimes = Get-ChildItem -LiteralPath (Join-Path $destination 'cache') -File | ForEach-Object { "$($_.Name)@$($_.LastWriteTimeUtc.Ticks)" }
        foreach ($n in 1..3) {
            $r = Invoke-Save $source $destination 0 -Again
            if (-not $r.Ok) { $problems.Add("no-op re-run failed (exit $($r.ExitCode))"); break }
            $noopRuns.Add($r.Wall)
            if ($null -ne $r.Again) { $sessionNoopRuns.Add($r.Again) }
            Write-Host ("    run {0}: process {1} (start+exit {2}, import {3}, listing {4}, save {5}; the Save call again in that session {6})" -f $n, (Format-Seconds $r.Wall),
                (Format-Seconds ($r.Overhead - $r.Again)), (Format-Seconds $r.Import), (Format-Seconds $r.List), (Format-Seconds $r.Save), (& $fmt $r.Again '{0:N3} s'))
        }
        # For reading that number: the same without the dotnet tool launcher (dotnet -> tool shim ->
        # pwsh.dll is three .NET hosts), i.e. closer to an installed pwsh. Reported, not judged.
        $pwshDll = (& dotnet pwsh -NoProfile -NonInteractive -Command '[Reflection.Assembly]::GetEntryAssembly().Location') | Select-Object -Last 1
        if ($pwshDll -and (Test-Path -LiteralPath $pwshDll)) {
            foreach ($n in 1..3) {
                $r = Invoke-Save $source $destination 0 $pwshDll
                if ($r.Ok) { $noopDirectRuns.Add($r.Wall) }
            }
            Write-Host ("    'dotnet pwsh.dll' directly: {0}" -f (($noopDirectRuns | ForEach-Object { Format-Seconds $_ }) -join ', '))
        }
        $after = (Get-Item -LiteralPath (Join-Path $destination 'current')).LinkTarget
        $cacheAfter = Get-ChildItem -LiteralPath (Join-Path $destination 'cache') -File | ForEach-Object { "$($_.Name)@$($_.LastWriteTimeUtc.Ticks)" }
        if ($before -ne $after) { $problems.Add("no-op re-run switched 'current' from $before to $after") }
        if (Compare-Object @($cacheTimes) @($cacheAfter)) { $problems.Add('no-op re-run rewrote files in cache/') }
    }
    else { $problems.Add('no-op re-run skipped: the cold run before it failed') }

    # --------------------------------------------------------------------------------------------
    # Offline verification of the saved tree: Test-MaasBootResource against sha256sum x2 of the
    # same (unique) files, alternated; both read the files from the page cache the save filled.
    # --------------------------------------------------------------------------------------------
    Write-Host '==> Offline verification: Test-MaasBootResource against sha256sum x2 of the same files'
    if ($defaultRuns[-1].Ok) {
        foreach ($round in 1, 2) {
            $sum = Invoke-Sha256Sum (Join-Path $destination 'cache') $wanted
            $sumRuns.Add($sum)
            $v = Invoke-Verify $destination $wanted.Count
            $verifyRuns.Add($v)
            if (-not $sum.Ok) { $problems.Add("sha256sum round $round failed (exit $($sum.ExitCode))") }
            if (-not $v.Ok) { $problems.Add("Test-MaasBootResource round $round failed: $($v.Why)") }
            Write-Host ("    round {0}: sha256sum x2 {1}; Test-MaasBootResource call {2} (whole process {3}){4}" -f $round, (Format-Seconds $sum.Wall),
                (Format-Seconds $v.Call), (Format-Seconds $v.Wall), $(if ($v.Ok) { '' } else { "  FAILED ($($v.Why))" }))
        }
    }
    else { $problems.Add('verification skipped: the cold run before it failed') }
    Remove-Folder $destination

    # For reading the no-op number: what starting 'dotnet pwsh' alone costs here.
    $pwshStart = Get-Median @(foreach ($n in 1..3) {
            (Measure-Command { & dotnet pwsh -NoProfile -NonInteractive -Command 'exit 0' }).TotalSeconds
        })
    Write-Host ("    (bare 'dotnet pwsh -NoProfile -Command exit 0': {0})" -f (Format-Seconds $pwshStart))

    # --------------------------------------------------------------------------------------------
    # Resume: kill the process tree at ~50 % of the bytes, run again, count what nginx sent.
    # --------------------------------------------------------------------------------------------
    Write-Host '==> Interrupted resume (default throttle, through the logging listener)'
    Remove-Folder $resumeDestination
    [System.IO.File]::WriteAllText($accessLog, '')   # nginx appends (O_APPEND): truncating is safe
    & sync
    $resultPath = Join-Path $WorkFolder 'resume-result.json'
    $process = Start-Dotnet (Get-SaveArguments $loggedSource $resumeDestination 0 $resultPath)
    $killedAt = $null
    while (-not $process.HasExited) {
        $have = Get-CacheBytes $resumeDestination
        if ($have -ge $dataBytes / 2) {
            $process.Kill($true)   # the whole tree: dotnet -> shim -> pwsh.dll
            $killedAt = $have
            break
        }
        Start-Sleep -Milliseconds 10
    }
    $process.WaitForExit()
    Start-Sleep -Milliseconds 500   # nginx logs an aborted response once it notices the reset
    $firstLines = @(Get-Content -LiteralPath $accessLog)
    $survived = Get-CacheBytes $resumeDestination   # the kill lands a little after it is asked for
    if ($null -eq $killedAt) { $problems.Add('resume: the first run finished before it could be killed at 50 %') }
    else { Write-Host ("    kill asked at {0:N0} MB on disk ({1:P0}); {2:N0} MB on disk once dead ({3:P0})" -f ($killedAt / 1MB), ($killedAt / $dataBytes), ($survived / 1MB), ($survived / $dataBytes)) }
    $second = Invoke-Save $loggedSource $resumeDestination 0
    if (-not $second.Ok) { $problems.Add("resume: the second run failed (exit $($second.ExitCode))") }
    elseif ($why = Test-RackCache $resumeDestination $wanted) { $problems.Add("resume: $why") }
    Start-Sleep -Milliseconds 200
    $allLines = @(Get-Content -LiteralPath $accessLog)
    $parse = {
        param($Lines)
        $sum = 0L; $metadata = 0L; $ranged = 0; $requests = 0
        foreach ($line in $Lines) {
            if ($line -notmatch '^(\d+) (\d+) "([^"]*)" "([^"]*)"') { continue }
            if ($Matches[3] -like '/streams/*') { $metadata += [long]$Matches[2]; continue }
            $requests++
            $sum += [long]$Matches[2]
            if ($Matches[1] -eq '206') { $ranged++ }
        }
        [pscustomobject]@{ Bytes = $sum; Metadata = $metadata; Requests = $requests; Ranged = $ranged }
    }
    $run1 = & $parse $firstLines
    $run2 = & $parse @($allLines | Select-Object -Skip $firstLines.Count)
    $resume = [pscustomobject]@{
        Ok = $second.Ok -and $null -ne $killedAt; Run1 = $run1; Run2 = $run2; Second = $second
        Ratio = ($run1.Bytes + $run2.Bytes) / $dataBytes
    }
    Write-Host ("    run 1 (killed): {0:N1} MB in {1} file request(s); run 2: {2:N1} MB in {3} file request(s), {4} of them ranged (206); run 2 process {5}" -f
        ($run1.Bytes / 1MB), $run1.Requests, ($run2.Bytes / 1MB), $run2.Requests, $run2.Ranged, (Format-Seconds $second.Wall))
}
finally {
    if ($server) { Stop-Nginx $server }
    # The big downloads go; the synthetic stream stays for the next run.
    Remove-Folder $baselineFolder
    Remove-Folder $destination
    Remove-Folder $resumeDestination
}

# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------

function Write-Check([string] $Label, $Value, [string] $Shown, [double] $Target, [string] $TargetShown, [switch] $AtLeast) {
    $met = if ($AtLeast) { $Value -ge $Target } else { $Value -le $Target }
    $verdict = if ($null -eq $Value) { 'FAIL (not measured)' } elseif ($met) { 'PASS' } else { 'FAIL' }
    Write-Host ("  {0,-58}: {1,-9} target {2} {3,-7} {4}" -f $Label, $Shown, $(if ($AtLeast) { '>=' } else { '<=' }), $TargetShown, $verdict)
}

function Get-MedianOf([object[]] $Runs, [string] $Property) {
    $values = @($Runs | Where-Object { $_.Ok -and $null -ne $_.$Property } | ForEach-Object $Property)
    if ($values.Count) { Get-Median $values } else { $null }
}

$baseline = Get-MedianOf $baselineRuns Wall
$ours = Get-MedianOf $oursRuns Wall
$oursSave = Get-MedianOf $oursRuns Save
$default = Get-MedianOf $defaultRuns Wall
$defaultSave = Get-MedianOf $defaultRuns Save
$ratio = { param($a, $b) if ($a -and $b) { $a / $b } else { $null } }
$coldRatio = & $ratio $ours $baseline
$saveRatio = & $ratio $oursSave $baseline
$defaultRatio = & $ratio $default $baseline
$defaultSaveRatio = & $ratio $defaultSave $baseline
$cores = Get-MedianOf $oursRuns Cores
$defaultCores = Get-MedianOf $defaultRuns Cores
$baselineCores = Get-MedianOf $baselineRuns Cores
$okOurs = @($oursRuns | Where-Object Ok)
$okDefault = @($defaultRuns | Where-Object Ok)
$peaks = @(@($okOurs) + @($okDefault) | Where-Object PeakMB | ForEach-Object PeakMB)
$peak = if ($peaks.Count) { ($peaks | Measure-Object -Maximum).Maximum } else { $null }
$noop = if ($noopRuns.Count) { Get-Median $noopRuns.ToArray() } else { $null }
$sessionNoop = if ($sessionNoopRuns.Count) { Get-Median $sessionNoopRuns.ToArray() } else { $null }
$verifyRatio = & $ratio (Get-MedianOf $verifyRuns Call) (Get-MedianOf $sumRuns Wall)
$verifyProcessRatio = & $ratio (Get-MedianOf $verifyRuns Wall) (Get-MedianOf $sumRuns Wall)
$resumeRatio = if ($resume -and $resume.Ok) { $resume.Ratio } else { $null }

Write-Host ''
Write-Host ("Results ({0:N0} MB of unique files, nginx on 127.0.0.1; every ratio against a baseline measured in this same run, < 1.0 means faster than it):" -f $dataMB)
Write-Host ("  baseline curl|tee|openssl x2, each run / median         : {0} / {1}" -f ((@($baselineRuns) | ForEach-Object { Format-Seconds $_.Wall }) -join ', '), (Format-Seconds $baseline))
Write-Host ("  Save-MaasImage -ThrottleLimit 2, whole process, each/med : {0} / {1}" -f ((@($oursRuns) | ForEach-Object { Format-Seconds $_.Wall }) -join ', '), (Format-Seconds $ours))
Write-Host ("  Save-MaasImage -ThrottleLimit 2, Save call alone, each   : {0}" -f ((@($oursRuns) | ForEach-Object { Format-Seconds $_.Save }) -join ', '))
Write-Host ("  Save-MaasImage default throttle, whole process, each/med : {0} / {1}" -f ((@($defaultRuns) | ForEach-Object { Format-Seconds $_.Wall }) -join ', '), (Format-Seconds $default))
Write-Host ("  cores busy: Save call -ThrottleLimit 2 / default / shell  : {0} / {1} / {2} (of {3})" -f (& $fmt $cores '{0:N2}'), (& $fmt $defaultCores '{0:N2}'), (& $fmt $baselineCores '{0:N2}'), [Environment]::ProcessorCount)
Write-Host ("  no-op re-run, whole process, each                        : {0}  (bare dotnet pwsh start: {1})" -f (($noopRuns | ForEach-Object { Format-Seconds $_ }) -join ', '), (Format-Seconds $pwshStart))
Write-Host ("  no-op re-run, 'dotnet pwsh.dll' without the tool shim     : {0}" -f (($noopDirectRuns | ForEach-Object { Format-Seconds $_ }) -join ', '))
Write-Host ("  verification: sha256sum x2 / Test-MaasBootResource call  : {0} / {1}" -f ((@($sumRuns) | ForEach-Object { Format-Seconds $_.Wall }) -join ', '), ((@($verifyRuns) | ForEach-Object { Format-Seconds $_.Call }) -join ', '))
Write-Check 'Save call in a session / baseline (-ThrottleLimit 2)' $saveRatio (& $fmt $saveRatio '{0:N2}') $Targets.SaveRatio '0.45'
Write-Check 'Save call in a session / baseline (default throttle)' $defaultSaveRatio (& $fmt $defaultSaveRatio '{0:N2}') $Targets.SaveRatio '0.45'
Write-Check 'whole dotnet pwsh process / baseline (-ThrottleLimit 2)' $coldRatio (& $fmt $coldRatio '{0:N2}') $Targets.ProcessRatio '0.80'
Write-Check 'whole dotnet pwsh process / baseline (default throttle)' $defaultRatio (& $fmt $defaultRatio '{0:N2}') $Targets.ProcessRatio '0.80'
Write-Check 'cores kept busy during the Save call (-ThrottleLimit 2)' $cores (& $fmt $cores '{0:N2}') $Targets.Cores '1.70' -AtLeast
Write-Check 'no-op Save call inside a session (s, median of 3)' $sessionNoop (& $fmt $sessionNoop '{0:N3}') $Targets.SessionNoopSeconds '0.050'
Write-Check 'peak RSS of the saving pwsh (MB)' $peak (& $fmt $peak '{0:N0}') $Targets.RssMB '200'
Write-Check 'Test-MaasBootResource call / sha256sum x2 (same files)' $verifyRatio (& $fmt $verifyRatio '{0:N2}') $Targets.VerifyRatio '0.60'
Write-Host ("  (Test-MaasBootResource whole process / sha256sum x2       : {0})" -f (& $fmt $verifyProcessRatio '{0:N2}'))
Write-Check 'no-op re-run, whole pwsh process (s, median of 3)' $noop (& $fmt $noop '{0:N2}') $Targets.NoopSeconds '2.00'
Write-Check 'interrupted resume, bytes nginx sent / data size' $resumeRatio (& $fmt $resumeRatio '{0:N3}') $Targets.ResumeRatio '1.050'
foreach ($problem in $problems) { Write-Host "  problem: $problem" }
exit 0
