# What both listing benchmarks share (dot-sourced by tools/Bench.ps1 and tools/Bench-Document.ps1): the
# synthesised stream's index document, and the timing: python3 json.load of a document as the baseline, and a listing in a fresh `dotnet pwsh`, measured
# in turns (python3, pwsh, python3, pwsh, ...) so both see the same machine; each ratio is taken
# pair by pair and the median of those is reported.

# The index document of a synthesised stream with one products document at $ProductsPath
# (relative to the stream root) listing $Names, as JSON text.
function ConvertTo-BenchIndexJson([string[]] $Names, [string] $ProductsPath) {
    [ordered]@{
        format  = 'index:1.0'
        index   = [ordered]@{
            'com.ubuntu.maas:stable:v3:download' = [ordered]@{
                datatype = 'image-ids'; format = 'products:1.0'; path = $ProductsPath
                products = $Names; updated = 'Thu, 24 Jul 2025 08:01:49 +0000'
            }
        }
        updated = 'Thu, 24 Jul 2025 08:01:49 +0000'
    } | ConvertTo-Json -Depth 5
}

function Get-Median([double[]] $Samples) { ($Samples | Sort-Object)[[int][math]::Floor($Samples.Count / 2)] }

function Format-Samples([double[]] $Samples) { ($Samples | ForEach-Object { '{0:N0}' -f $_ }) -join ', ' }

# One whole python3 process loading the JSON file: wall ms, CPU ms (user + system) and peak RSS (MB).
function Measure-PythonJsonLoad([string] $JsonPath) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    # Peak RSS from VmHWM: ru_maxrss would keep the forking pwsh's peak across exec.
    $usage = & python3 -c 'import json,sys,resource; json.load(open(sys.argv[1])); u = resource.getrusage(resource.RUSAGE_SELF); hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]; print(hwm, (u.ru_utime + u.ru_stime) * 1000)' $JsonPath
    $elapsed = $watch.Elapsed.TotalMilliseconds
    if ($LASTEXITCODE) { throw "python3 json.load of '$JsonPath' failed" }
    $rss, $cpu = $usage -split ' '
    [pscustomobject]@{ Ms = $elapsed; CpuMs = [double] $cpu; RssMB = [double] $rss / 1KB }
}

# A script for a fresh pwsh: Import-Module, then $Listing once (the user's first call) and
# $WarmCalls more times; prints "first ms,first CPU ms,peak RSS KB,warm ms;warm ms;...".
function New-ListingScript {
    param([string] $Path, [string] $ModulePath, [string] $Listing, [int] $ExpectedCount, [int] $WarmCalls, [string] $Check = '')
    Set-Content -LiteralPath $Path @"
Import-Module '$ModulePath'
`$process = [Diagnostics.Process]::GetCurrentProcess()
`$cpu = `$process.TotalProcessorTime
`$w = [Diagnostics.Stopwatch]::StartNew()
`$images = $Listing
`$ms = `$w.Elapsed.TotalMilliseconds
`$process.Refresh()
`$cpuMs = (`$process.TotalProcessorTime - `$cpu).TotalMilliseconds
if (`$images.Count -ne $ExpectedCount) { throw "listed `$(`$images.Count) images, expected $ExpectedCount" }
$Check
`$warm = foreach (`$n in 1..$WarmCalls) {
    if ($WarmCalls -eq 0) { break }
    `$w.Restart()
    `$images = $Listing
    `$w.Elapsed.TotalMilliseconds
}
`$hwm = [long] ((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '[^0-9]', '')
"`$ms,`$cpuMs,`$hwm,`$(`$warm -join ';')"
"@
}

# -Rounds turns of (python3 json.load of $JsonPath, a fresh pwsh running $ListingScript). Returns
# every sample and the medians: First/FirstCpu/Rss of pwsh, Python/PythonCpu/PythonRss, Ratio
# and CpuRatio (medians of the per-turn ratios), Warm (median of every warm call).
function Measure-ListingAgainstPython {
    param([string] $JsonPath, [string] $ListingScript, [int] $Rounds)
    $turns = foreach ($round in 1..$Rounds) {
        $python = Measure-PythonJsonLoad $JsonPath
        $line = & dotnet pwsh -NoProfile -NonInteractive -File $ListingScript
        if ($LASTEXITCODE) { throw "listing failed: $line" }
        $ms, $cpu, $kb, $warm = ($line | Select-Object -Last 1) -split ','
        [pscustomobject]@{
            Python = $python; Ms = [double] $ms; CpuMs = [double] $cpu; RssMB = [double] $kb / 1KB
            Warm = @(if ($warm) { $warm -split ';' | ForEach-Object { [double] $_ } })
        }
    }
    $warmSamples = @($turns | ForEach-Object { $_.Warm })
    [pscustomobject]@{
        PythonSamples = [double[]] $turns.Python.Ms
        FirstSamples  = [double[]] $turns.Ms
        RssSamples    = [double[]] $turns.RssMB
        Python        = Get-Median $turns.Python.Ms
        PythonCpu     = Get-Median $turns.Python.CpuMs
        PythonRss     = ($turns.Python.RssMB | Measure-Object -Maximum).Maximum
        First         = Get-Median $turns.Ms
        FirstCpu      = Get-Median $turns.CpuMs
        Rss           = ($turns.RssMB | Measure-Object -Maximum).Maximum
        Ratio         = Get-Median ($turns | ForEach-Object { $_.Ms / $_.Python.Ms })
        CpuRatio      = Get-Median ($turns | ForEach-Object { $_.CpuMs / $_.Python.CpuMs })
        Warm          = if ($warmSamples.Count) { Get-Median $warmSamples } else { $null }
    }
}
