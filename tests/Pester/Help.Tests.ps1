#Requires -Version 7.4
# Help, the way a user reads it: Get-Help -Full of every exported cmdlet (built from docs/en-US by
# tools/HelpBuilder) is complete, about_MaasImages is found, and the Markdown in docs/en-US agrees
# with the code on every parameter: a parameter added to code without docs, or documented but not
# in code, fails here.

BeforeDiscovery {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    $cmdlets = (Get-Module MaasImages).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module $env:MAASIMAGES_TEST_MODULE -Force
    $script:Docs = Join-Path $PSScriptRoot '../../docs/en-US'
    # Common parameters are described by about_CommonParameters; -WhatIf and -Confirm are ours to document.
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters

    # The "## SYNTAX" set headings and the "## PARAMETERS" entries of a platyPS page, each entry
    # with the "Key: value" lines of its ```yaml block.
    function Read-CommandPage([string] $Path) {
        $section = $null
        $parameter = $null
        $inYaml = $false
        $page = [pscustomobject]@{ Sets = [System.Collections.Generic.List[string]]::new(); Parameters = [ordered]@{} }
        foreach ($line in Get-Content -LiteralPath $Path) {
            if ($inYaml) {
                if ($line -match '^```') { $inYaml = $false; continue }
                if ($line -match '^(?<key>[^:]+):\s*(?<value>.*)$') { $page.Parameters[$parameter][$Matches.key.Trim()] = $Matches.value.Trim() }
                continue
            }
            if ($line -match '^## (?<name>.+)$') { $section = $Matches.name.Trim(); $parameter = $null; continue }
            if ($section -eq 'SYNTAX' -and $line -match '^### (?<set>.+?)(\s*\(Default\))?\s*$') { $page.Sets.Add($Matches.set); continue }
            if ($section -eq 'PARAMETERS' -and $line -match '^### -(?<name>\S+)\s*$') {
                $parameter = $Matches.name
                $page.Parameters[$parameter] = @{}
                continue
            }
            if ($section -eq 'PARAMETERS' -and $line -match '^### ') { $parameter = $null; continue }
            if ($parameter -and $line -match '^```yaml') { $inYaml = $true }
        }
        $page
    }

    function Get-OwnParameter([System.Management.Automation.CommandInfo] $Command) {
        $Command.Parameters.Values | Where-Object Name -NotIn $Common
    }

    function Get-List([string] $Value) {
        @(if ($Value) { $Value -split ',' | ForEach-Object Trim | Where-Object { $_ } })
    }
}

Describe 'Help files in the module folder' {
    It 'ships the MAML help and the about topic in en-US' {
        $base = Split-Path $env:MAASIMAGES_TEST_MODULE
        Join-Path $base 'en-US/MaasImages.PowerShell.dll-Help.xml' | Should -Exist
        Join-Path $base 'en-US/about_MaasImages.help.txt' | Should -Exist
        [xml] $maml = Get-Content -Raw (Join-Path $base 'en-US/MaasImages.PowerShell.dll-Help.xml')
        $maml.helpItems.command.details.name | Sort-Object | Should -Be ((Get-Module MaasImages).ExportedCmdlets.Keys | Sort-Object)
    }

    It 'has a Markdown page for every exported cmdlet and no page for a cmdlet that does not exist' {
        $pages = Get-ChildItem $Docs -Filter '*.md' | Where-Object Name -NotLike 'about_*' | ForEach-Object BaseName | Sort-Object
        $pages | Should -Be ((Get-Module MaasImages).ExportedCmdlets.Keys | Sort-Object)
    }
}

Describe 'Get-Help <Name> -Full' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'has a synopsis of its own' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without MAML, PowerShell makes the synopsis from the syntax.
        $help.Synopsis | Should -Not -Match ([regex]::Escape("$Name ["))
    }

    It 'has a description' {
        ($help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty -Because $example.title
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because $example.title
        }
    }

    It 'has examples that parse and give MaasImages cmdlets only parameters they have' {
        foreach ($example in @($help.examples.example)) {
            $tokens = $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($example.code, [ref] $tokens, [ref] $errors)
            $errors | Should -BeNullOrEmpty -Because "'$($example.title)' is valid PowerShell"
            foreach ($call in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $called = Get-Command $call.GetCommandName() -Module MaasImages -ErrorAction Ignore
                if (-not $called) { continue }
                if ($called -is [System.Management.Automation.AliasInfo]) { $called = $called.ResolvedCommand }
                $known = $called.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases }
                foreach ($used in $call.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    @($known | Where-Object { $_ -like "$($used.ParameterName)*" }) |
                        Should -Not -BeNullOrEmpty -Because "$($called.Name) has -$($used.ParameterName) ('$($example.title)')"
                }
            }
        }
    }

    It 'has related links' {
        @($help.relatedLinks.navigationLink).Count | Should -BeGreaterOrEqual 1
        $help.relatedLinks.navigationLink.linkText | Should -Contain 'about_MaasImages'
    }

    It 'describes every parameter' {
        foreach ($parameter in Get-OwnParameter $command) {
            $entry = $help.parameters.parameter | Where-Object name -EQ $parameter.Name
            $entry | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) must have help"
            ($entry.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) must be described"
        }
    }

    It 'has one syntax per parameter set' {
        @($help.syntax.syntaxItem).Count | Should -Be $command.ParameterSets.Count
    }
}

Describe 'docs/en-US/<Name>.md agrees with the code' -ForEach $cmdlets {
    BeforeAll {
        $page = Read-CommandPage (Join-Path $Docs "$Name.md")
        $command = Get-Command $Name
        $parameters = @(Get-OwnParameter $command)
    }

    It 'documents every parameter the cmdlet has' {
        @($parameters.Name | Where-Object { $_ -notin $page.Parameters.Keys }) |
            Should -BeNullOrEmpty -Because 'every parameter in code needs a "### -Name" entry in the docs'
    }

    It 'documents no parameter the cmdlet lacks' {
        @($page.Parameters.Keys | Where-Object { $_ -notin $parameters.Name }) |
            Should -BeNullOrEmpty -Because 'the docs must not describe parameters the cmdlet does not have'
    }

    It 'gives each parameter its real type, sets, aliases and accepted values' {
        foreach ($parameter in $parameters) {
            $doc = $page.Parameters[$parameter.Name]
            if (-not $doc) { continue } # reported by the test above
            $because = "-$($parameter.Name) in $Name.md"
            $doc['Type'] | Should -Be $parameter.ParameterType.Name -Because $because
            $sets = if ($parameter.ParameterSets.ContainsKey('__AllParameterSets')) { @('(All)') } else { @($parameter.ParameterSets.Keys | Sort-Object) }
            @(Get-List $doc['Parameter Sets'] | Sort-Object) | Should -Be $sets -Because $because
            @(Get-List $doc['Aliases'] | Sort-Object) | Should -Be @($parameter.Aliases | Sort-Object) -Because $because

            $validateSet = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
            $accepted = if ($validateSet) { @($validateSet.ValidValues) }
            elseif ($parameter.ParameterType.IsEnum) { [Enum]::GetNames($parameter.ParameterType) }
            else { @() }
            @(Get-List $doc['Accepted values'] | Sort-Object) | Should -Be @($accepted | Sort-Object) -Because $because
        }
    }

    It 'gives each parameter its real mandatory flag, position and pipeline input' {
        foreach ($parameter in $parameters) {
            $doc = $page.Parameters[$parameter.Name]
            if (-not $doc) { continue }
            $because = "-$($parameter.Name) in $Name.md"
            $setInfo = @($parameter.ParameterSets.Values)
            $doc['Required'] | Should -Be ([string] ($setInfo.IsMandatory -contains $true)) -Because $because

            $positions = @($setInfo.Position | Where-Object { $_ -ge 0 } | Sort-Object -Unique)
            $position = if ($positions.Count -gt 0) { [string] $positions[0] } else { 'Named' }
            $doc['Position'] | Should -Be $position -Because $because

            $byValue = $setInfo.ValueFromPipeline -contains $true
            $byName = $setInfo.ValueFromPipelineByPropertyName -contains $true
            $pipeline = if ($byValue -and $byName) { 'True (ByPropertyName, ByValue)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
            $doc['Accept pipeline input'] | Should -Be $pipeline -Because $because

            $doc['Default value'] | Should -Not -BeNullOrEmpty -Because $because
            $doc['Accept wildcard characters'] | Should -BeIn @('True', 'False') -Because $because
        }
    }

    It 'shows a syntax for each parameter set' {
        @($page.Sets | Sort-Object) | Should -Be @($command.ParameterSets.Name | Sort-Object)
    }
}

Describe 'Get-Help about_MaasImages' {
    It 'finds the about topic and covers the concepts' {
        $about = Get-Help about_MaasImages -ErrorAction Stop | Out-String
        $about | Should -Match 'about_MaasImages'
        $about | Should -Match 'SHORT DESCRIPTION'
        foreach ($concept in 'Streams', 'Layouts', 'Signatures and keyrings', 'resume', 'Proxies', 'Windows notes', 'SeCreateSymbolicLinkPrivilege', 'NTFS') {
            $about | Should -Match ([regex]::Escape($concept)) -Because "about_MaasImages explains $concept"
        }
    }

}

Describe 'Get-Help New-MaasBootLinks (the alias)' {
    It 'shows the help of New-MaasBootLink' {
        (Get-Help New-MaasBootLinks).Synopsis | Should -Be (Get-Help New-MaasBootLink).Synopsis
    }
}
